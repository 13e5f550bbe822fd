package surfstore_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// Untrusted input the given code parses: the config file, file names, and
// index.db. Not graded (students receive this code as it is); fuzz with
//
//	go test ./surfstore -run '^$' -fuzz FuzzLoadRaftConfig -fuzztime 30s -fuzzminimizetime 0
//	go test ./surfstore -run '^$' -fuzz FuzzCheckFileName -fuzztime 30s -fuzzminimizetime 0

var configSeeds = []string{
	`{"RaftAddrs": ["localhost:8081"], "BlockAddrs": ["localhost:8082", "localhost:8083"]}`,
	`{"RaftAddrs": ["a:1", "b:2", "c:3"]}`,
	`{"RaftAddrs": []}`,
	`{"RaftAddrs": ["a:1", "a:1"]}`,
	`{"RaftAddrs": [""]}`,
	`{"RaftAddrs": ["a:1"], "Extra": 1}`,
	`{"RaftAddrs": ["a:1"]} {}`,
	`[1, 2]`,
	``,
	`{"RaftAddrs": "a:1"}`,
}

// checkConfig loads data as a config file: it must not panic, and an
// accepted config has MetaStore addresses, none empty or repeated, and
// survives a JSON round trip.
func checkConfig(t *testing.T, dir string, data []byte) {
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := surfstore.ReadRaftConfig(path)
	if err != nil {
		if !strings.HasPrefix(err.Error(), "surfstore: config ") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q: want one line naming the config", err)
		}
		return
	}
	if len(cfg.RaftAddrs) == 0 {
		t.Fatalf("accepted %q without RaftAddrs", data)
	}
	for _, list := range [][]string{cfg.RaftAddrs, cfg.BlockAddrs} {
		seen := map[string]bool{}
		for _, a := range list {
			if a == "" || seen[a] {
				t.Fatalf("accepted %q with an empty or repeated address", data)
			}
			seen[a] = true
		}
	}
	again, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, again, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg2, err := surfstore.ReadRaftConfig(path)
	if err != nil || !reflect.DeepEqual(cfg, cfg2) {
		t.Fatalf("round trip of %q: %+v, %v; want %+v", data, cfg2, err, cfg)
	}
}

func FuzzLoadRaftConfig(f *testing.F) {
	for _, s := range configSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkConfig(t, t.TempDir(), data) })
}

func TestLoadRaftConfigCorpus(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		for _, s := range configSeeds {
			checkConfig(t.T, dir, []byte(s))
		}
		for _, bad := range configSeeds[2:] { // every seed after the first two is invalid
			path := filepath.Join(dir, "bad.json")
			if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			if cfg, err := surfstore.ReadRaftConfig(path); err == nil {
				t.Fatalf("config %q accepted: %+v", bad, cfg)
			}
		}
		cfg, err := surfstore.ReadRaftConfig(filepath.Join(dir, "missing.json"))
		if err == nil {
			t.Fatalf("missing config loaded: %+v", cfg)
		}
	})
}

var nameSeeds = []string{"a", "x.txt", "..", ".", "", "../x", "a/b", `a\b`, "index.db", "index.db-journal",
	".surfstore-tmp-file-1", "a..b", "\x00", "\xff", strings.Repeat("n", 256), ".hidden"}

// checkName: an accepted name stays in the base directory, is not the
// index, and is valid UTF-8 (protobuf strings must be).
func checkName(t *testing.T, name string) {
	if surfstore.CheckFileName(name) != nil {
		return
	}
	base := filepath.Join("base", "dir")
	if filepath.Dir(filepath.Join(base, name)) != base || filepath.Base(name) != name {
		t.Fatalf("accepted %q, which leaves the base directory", name)
	}
	if name == "index.db" || strings.ContainsAny(name, "/\\\x00") {
		t.Fatalf("accepted %q", name)
	}
	if !utf8.ValidString(name) {
		t.Fatalf("accepted %q, not valid UTF-8", name)
	}
}

func FuzzCheckFileName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(checkName)
}

func TestCheckFileNameCorpus(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		for _, s := range nameSeeds {
			checkName(t.T, s)
		}
		for _, bad := range []string{"..", ".", "", "../x", "a/b", `a\b`, "index.db", "\xff", strings.Repeat("n", 256)} {
			if surfstore.CheckFileName(bad) == nil {
				t.Fatalf("CheckFileName(%q) accepted it", bad)
			}
		}
		for _, ok := range []string{"a", "x.txt", "a..b", ".hidden"} {
			if err := surfstore.CheckFileName(ok); err != nil {
				t.Fatalf("CheckFileName(%q) = %v", ok, err)
			}
		}
	})
}

// TestLoadIndexCorrupt: index.db files that are SQLite but not a valid
// index are refused with ErrCorruptIndex, and loading never changes the
// file.
func TestLoadIndexCorrupt(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		h := hashOf([]byte("x"))
		cases := map[string][]string{
			"no table":       {`CREATE TABLE other (a INT)`},
			"gap":            {create, row("f", 1, 0, h), row("f", 1, 2, h)},
			"mixed versions": {create, row("f", 1, 0, h), row("f", 2, 1, h)},
			"bad hash":       {create, row("f", 1, 0, "nothex")},
			"bad name":       {create, row("../f", 1, 0, h)},
			"version 0":      {create, row("f", 0, 0, h)},
			"tombstone+hash": {create, row("f", 1, 0, "0"), row("f", 1, 1, h)},
		}
		for what, stmts := range cases {
			dir := t.TempDir()
			path := filepath.Join(dir, "index.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stmts {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %s: %v", what, s, err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)
			m, err := surfstore.LoadMetaFromMetaFile(dir)
			if !errors.Is(err, surfstore.ErrCorruptIndex) {
				t.Fatalf("%s: LoadMetaFromMetaFile = %v, %v; want ErrCorruptIndex", what, m, err)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Fatalf("%s: loading changed index.db", what)
			}
		}
		m, err := surfstore.LoadMetaFromMetaFile(t.TempDir())
		if err != nil || len(m) != 0 {
			t.Fatalf("missing index: %v, %v; want an empty map", m, err)
		}
		empty := t.TempDir()
		if err := os.WriteFile(filepath.Join(empty, "index.db"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err = surfstore.LoadMetaFromMetaFile(empty)
		if err != nil || m == nil || len(m) != 0 {
			t.Fatalf("empty index.db: %v, %v; want an empty map", m, err)
		}
	})
}

const create = `CREATE TABLE indexes (fileName TEXT, version INT, hashIndex INT, hashValue TEXT)`

func row(name string, version, index int, hash string) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	return fmt.Sprintf("INSERT INTO indexes VALUES (%s, %d, %d, %s)", q(name), version, index, q(hash))
}

// loadConfigChildEnv names the config a re-executed test binary loads with
// the course's one-result LoadRaftConfigFile (see
// TestLoadRaftConfigFileCourseForm).
const loadConfigChildEnv = "SURFSTORE_LOADCONFIG_CHILD"

// TestLoadRaftConfigFileCourseForm: the course's `cfg :=
// LoadRaftConfigFile(path)` returns what ReadRaftConfig reads, and on a bad
// file prints one line and exits non-zero (the course's log.Fatal), which
// the test sees from a child process.
func TestLoadRaftConfigFileCourseForm(t *testing.T) {
	if path := os.Getenv(loadConfigChildEnv); path != "" {
		cfg := surfstore.LoadRaftConfigFile(path)
		fmt.Printf("loaded %d addresses\n", len(cfg.RaftAddrs))
		os.Exit(0)
	}
	labtest.RunRealtime(t, func(t *labtest.T) {
		dir := t.TempDir()
		good := filepath.Join(dir, "good.json")
		if err := os.WriteFile(good, []byte(`{"RaftAddrs": ["a:1", "b:2"], "BlockAddrs": ["c:3"]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		want, err := surfstore.ReadRaftConfig(good)
		if err != nil {
			t.Fatal(err)
		}
		if got := surfstore.LoadRaftConfigFile(good); !reflect.DeepEqual(got, want) {
			t.Fatalf("LoadRaftConfigFile = %+v, want %+v", got, want)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoadRaftConfigFileCourseForm$", "-test.count=1")
		cmd.Env = []string{loadConfigChildEnv + "=" + filepath.Join(dir, "missing.json")}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "DISTLABS_") { // the child has no verdict or nonce pipe
				cmd.Env = append(cmd.Env, kv)
			}
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("LoadRaftConfigFile of a missing file: %v, stdout %q; want a non-zero exit", err, stdout.String())
		}
		if msg := strings.TrimSpace(stderr.String()); msg == "" || strings.Contains(msg, "\n") || !strings.Contains(msg, "missing.json") {
			t.Fatalf("LoadRaftConfigFile of a missing file said %q; want one line naming the file", stderr.String())
		}
	})
}
