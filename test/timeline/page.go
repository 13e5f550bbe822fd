package timeline

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"distlabs/labrpc"
)

// Info is what the page says about the run besides its events.
type Info struct {
	Test   string // the test's name
	Seed   int64  // its seed
	Failed bool   // whether it failed
	Replay string // the command that replays it
}

//go:embed page.html
var pageTemplate string

// dataMarker is the line of page.html the data replaces.
const dataMarker = "/*DATA*/"

// WriteFile writes the page of tl to path.
func WriteFile(path string, tl *labrpc.Timeline, info Info) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("timeline page: %w", err)
	}
	if err := Write(f, tl, info); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("timeline page %s: %w", path, err)
	}
	return nil
}

// Write writes the page of tl to w.
func Write(w io.Writer, tl *labrpc.Timeline, info Info) error {
	data, err := json.Marshal(build(tl, info))
	if err != nil {
		return fmt.Errorf("timeline data: %w", err)
	}
	before, after, ok := strings.Cut(pageTemplate, dataMarker)
	if !ok {
		return fmt.Errorf("timeline page template has no %s", dataMarker)
	}
	// json.Marshal escapes <, > and &, so the data cannot end the script
	// element it sits in.
	for _, s := range []string{before, string(data), after} {
		if _, err := io.WriteString(w, s); err != nil {
			return fmt.Errorf("timeline page: %w", err)
		}
	}
	return nil
}

// us is a time offset in whole microseconds, as the page counts time.
func us(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Microseconds()
}
