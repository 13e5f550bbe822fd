package surfstore

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite": no cgo
)

// The local index is the course's SQLite file: one row per block of each
// file, in table indexes(fileName TEXT, version INT, hashIndex INT,
// hashValue TEXT).
const (
	createIndexTable = `CREATE TABLE IF NOT EXISTS indexes (fileName TEXT, version INT, hashIndex INT, hashValue TEXT)`
	insertIndexRow   = `INSERT INTO indexes (fileName, version, hashIndex, hashValue) VALUES (?, ?, ?, ?)`
	selectIndexRows  = `SELECT fileName, version, hashIndex, hashValue FROM indexes ORDER BY fileName, hashIndex`
)

// ErrCorruptIndex is wrapped by LoadMetaFromMetaFile's error for an
// index.db that is not a valid index.
var ErrCorruptIndex = errors.New("surfstore: corrupt index")

// LoadMetaFromMetaFile reads baseDir's index.db. A missing index is an
// empty map. An index that is not an SQLite database, lacks the table, or
// holds inconsistent rows (mixed versions in one file, gaps in hashIndex,
// bad hashes or names) is an error wrapping ErrCorruptIndex. It only reads:
// the file is opened read-only and never created.
func LoadMetaFromMetaFile(baseDir string) (map[string]*FileMetaData, error) {
	path := filepath.Join(baseDir, DefaultMetaFilename)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*FileMetaData{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("surfstore: index: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrCorruptIndex, path)
	}
	if fi.Size() == 0 {
		// SQLite takes an empty file for an empty database, and the
		// course's clients create index.db empty before their first sync.
		return map[string]*FileMetaData{}, nil
	}
	db, err := sql.Open("sqlite", "file:"+uriEscaper.Replace(path)+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("surfstore: open index %s: %w", path, err)
	}
	defer db.Close() // read-only: a close error loses nothing
	metas, err := readIndex(db)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v (move it away to start over; the next sync then downloads the server's files)", ErrCorruptIndex, path, err)
	}
	return metas, nil
}

// uriEscaper escapes the characters that would end the path part of an
// SQLite file: URI.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func readIndex(db *sql.DB) (map[string]*FileMetaData, error) {
	rows, err := db.Query(selectIndexRows)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	metas := map[string]*FileMetaData{}
	for rows.Next() {
		var (
			name    string
			version int64
			index   int64
			hash    string
		)
		if err := rows.Scan(&name, &version, &index, &hash); err != nil {
			return nil, err
		}
		m := metas[name]
		if m == nil {
			if err := CheckFileName(name); err != nil {
				return nil, err
			}
			if version < 1 || version > 1<<31-1 {
				return nil, fmt.Errorf("file %q: version %d out of range", name, version)
			}
			m = &FileMetaData{Filename: name, Version: int32(version)}
			metas[name] = m
		}
		if int64(m.Version) != version {
			return nil, fmt.Errorf("file %q: rows with versions %d and %d", name, m.Version, version)
		}
		if index != int64(len(m.BlockHashList)) {
			return nil, fmt.Errorf("file %q: hashIndex %d where %d was expected", name, index, len(m.BlockHashList))
		}
		m.BlockHashList = append(m.BlockHashList, hash)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, m := range metas {
		if err := checkHashList(m.BlockHashList); err != nil {
			return nil, fmt.Errorf("file %q: %w", m.Filename, err)
		}
	}
	return metas, nil
}

// WriteMetaFile replaces baseDir's index.db with fileMetas, atomically: it
// writes a new database under a temp name, syncs it to disk, renames it
// over index.db and syncs the directory, so a crash leaves either the old
// index or the new one, never a mix.
func WriteMetaFile(fileMetas map[string]*FileMetaData, baseDir string) (err error) {
	tmp, err := os.CreateTemp(baseDir, tempPrefix+"index-*.db")
	if err != nil {
		return fmt.Errorf("surfstore: write index: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			os.Remove(tmpName) // best effort: the temp name is ours and skipped by scans
		}
	}()
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("surfstore: write index: %w", err)
	}
	if err := fillIndex(tmpName, fileMetas); err != nil {
		return fmt.Errorf("surfstore: write index %s: %w", tmpName, err)
	}
	if err := syncPath(tmpName); err != nil {
		return fmt.Errorf("surfstore: write index: %w", err)
	}
	if err := os.Rename(tmpName, filepath.Join(baseDir, DefaultMetaFilename)); err != nil {
		return fmt.Errorf("surfstore: write index: %w", err)
	}
	if err := syncPath(baseDir); err != nil {
		return fmt.Errorf("surfstore: write index: %w", err)
	}
	return nil
}

// fillIndex writes the rows of fileMetas into the (empty) database at path
// in one transaction, files in name order.
func fillIndex(path string, fileMetas map[string]*FileMetaData) (err error) {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err := db.Exec(createIndexTable); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	stmt, err := tx.Prepare(insertIndexRow)
	if err != nil {
		return err
	}
	defer stmt.Close()
	names := make([]string, 0, len(fileMetas))
	for name := range fileMetas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := fileMetas[name]
		for i, h := range m.GetBlockHashList() {
			if _, err := stmt.Exec(m.GetFilename(), m.GetVersion(), i, h); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// syncPath flushes a file or directory to stable storage.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// PrintMetaMap prints metaMap in name order: each file's name and version,
// then its block hashes, one per line (for debugging, as in the course).
func PrintMetaMap(metaMap map[string]*FileMetaData) {
	names := make([]string, 0, len(metaMap))
	for name := range metaMap {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Println("--------BEGIN PRINT MAP--------")
	for _, name := range names {
		m := metaMap[name]
		fmt.Printf("\t%s %d\n", m.GetFilename(), m.GetVersion())
		for _, h := range m.GetBlockHashList() {
			fmt.Printf("\t%s\n", h)
		}
	}
	fmt.Println("---------END PRINT MAP--------")
}
