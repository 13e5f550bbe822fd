package linearize

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// VizDirEnv names the directory for visualisation files; default: the
// system temp directory. (Not t.TempDir(): it is deleted when the test ends,
// and the file must outlive the failing test to be opened in a browser.)
const VizDirEnv = "DISTLABS_VIZ_DIR"

// Check fails t if ops (built with the KV model's Input and Output) are not
// linearizable, after writing porcupine's HTML visualisation to a file whose
// path is in the failure message. A check that does not finish within
// timeout is logged and treated as passing, as in 6.824: no violation was
// found. It returns porcupine's verdict.
//
// Call Check after the cluster is shut down. Inside a synctest bubble the
// timeout is virtual and cannot interrupt the CPU-bound search, so the
// check runs to completion.
func Check(t testing.TB, ops []porcupine.Operation, timeout time.Duration) porcupine.CheckResult {
	t.Helper()
	return CheckModel(t, KvModel, ops, timeout)
}

// CheckModel is Check for another model than the KV model: ops hold that
// model's inputs and outputs (recorded with StartOp and EndOp).
func CheckModel(t testing.TB, model porcupine.Model, ops []porcupine.Operation, timeout time.Duration) porcupine.CheckResult {
	t.Helper()
	res, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
	switch res {
	case porcupine.Illegal:
		path, err := writeViz(model, info, t.Name())
		if err != nil {
			t.Errorf("history is not linearizable (%s); writing the visualisation failed: %v", describe(ops), err)
		} else {
			t.Errorf("history is not linearizable (%s); visualisation: %s", describe(ops), path)
		}
	case porcupine.Unknown:
		t.Logf("linearizability check timed out after %v (%s); assuming the history is linearizable", timeout, describe(ops))
	}
	return res
}

// writeViz writes the HTML visualisation and returns its path.
func writeViz(model porcupine.Model, info porcupine.LinearizationInfo, name string) (string, error) {
	dir := os.Getenv(VizDirEnv)
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("visualisation dir: %w", err)
	}
	f, err := os.CreateTemp(dir, "linearize-"+sanitize(name)+"-*.html")
	if err != nil {
		return "", fmt.Errorf("visualisation file: %w", err)
	}
	path := f.Name()
	if err := porcupine.Visualize(model, info, f); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("visualise: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("visualisation file: %w", err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}

// sanitize makes a test name usable in a file name.
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
