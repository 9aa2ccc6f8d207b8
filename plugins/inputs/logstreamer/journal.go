package logstreamer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// headSize is how many of a file's first bytes recognise it, as in Heka:
// a file renamed keeps them, a file truncated and written again does not.
const headSize = 500

// journalVersion is the version of the journal's format.
const journalVersion = 1

// fileID is a file's device and inode: the same open file under any name.
type fileID struct{ dev, ino uint64 }

func idOf(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{uint64(st.Dev), uint64(st.Ino)}
	}
	return fileID{}
}

// entry is what the journal knows of one file: where every record before
// Offset has been routed, and the hash of its first HeadLen bytes
// (min(Offset, headSize)) to recognise it after a restart.
type entry struct {
	Path     string `json:"path"`
	Dev      uint64 `json:"dev"`
	Inode    uint64 `json:"inode"`
	Offset   int64  `json:"offset"`
	HeadLen  int    `json:"head_len"`
	HeadHash string `json:"head_sha256"`

	active bool // a tailer reads the file
}

func (e *entry) id() fileID { return fileID{e.Dev, e.Inode} }

// journal holds the entries of an input's files and saves them, as JSON,
// to one file replaced atomically (a temporary file renamed over it).
type journal struct {
	path string

	mu      sync.Mutex
	entries map[fileID]*entry
	dirty   bool
}

type journalFile struct {
	Version int      `json:"version"`
	Files   []*entry `json:"files"`
}

// loadJournal reads the journal at path. A missing journal is empty; a
// journal that cannot be read or is corrupt is empty too, and the error
// says why, for the log: the files are then read from their start.
func loadJournal(path string) (*journal, error) {
	j := &journal{path: path, entries: map[fileID]*entry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return j, err
	}
	var jf journalFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jf); err != nil {
		return j, fmt.Errorf("journal %s: %v", path, err)
	}
	if jf.Version != journalVersion {
		return j, fmt.Errorf("journal %s: version %d, want %d", path, jf.Version, journalVersion)
	}
	for i, e := range jf.Files {
		if e == nil || e.Offset < 0 || e.HeadLen < 0 || e.HeadLen > headSize || int64(e.HeadLen) > e.Offset {
			return &journal{path: path, entries: map[fileID]*entry{}}, fmt.Errorf("journal %s: file %d: impossible entry", path, i)
		}
		j.entries[e.id()] = e
	}
	return j, nil
}

// save writes the journal if it changed since the last save.
func (j *journal) save() error {
	j.mu.Lock()
	if !j.dirty {
		j.mu.Unlock()
		return nil
	}
	jf := journalFile{Version: journalVersion}
	for _, e := range j.entries {
		c := *e
		jf.Files = append(jf.Files, &c)
	}
	j.dirty = false
	j.mu.Unlock()
	b, err := json.MarshalIndent(jf, "", "  ")
	if err == nil {
		err = writeAtomic(j.path, b)
	}
	if err != nil {
		j.mu.Lock()
		j.dirty = true
		j.mu.Unlock()
	}
	return err
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// hashHead returns the hash of f's first n bytes, false when f is shorter.
func hashHead(f *os.File, n int) (string, bool) {
	b := make([]byte, n)
	if _, err := f.ReadAt(b, 0); err != nil {
		return "", false
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), true
}

// matches reports whether f, of size bytes, is the file e describes: at
// least Offset bytes long and starting with the same HeadLen bytes.
func (e *entry) matches(f *os.File, size int64) bool {
	if size < e.Offset {
		return false
	}
	h, ok := hashHead(f, e.HeadLen)
	return ok && h == e.HeadHash
}

// claim returns the entry of the file f (id, size bytes, at path) that a
// new tailer starts from. pass 1 takes only the entry of the same inode
// (a file kept or renamed); pass 2 also takes an entry of another inode
// whose head and length fit (a copy, after copytruncate), preferring the
// same path. It returns nil when no entry fits: the caller then makes one.
func (j *journal) claim(pass int, f *os.File, id fileID, size int64, path string) *entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := j.entries[id]
	if e != nil && e.active {
		return nil
	}
	if e != nil {
		if e.matches(f, size) {
			return j.take(e, id, path)
		}
		if pass == 2 {
			delete(j.entries, id)
		}
		return nil
	}
	if pass == 1 {
		return nil
	}
	var best *entry
	for _, e := range j.entries {
		if e.active || e.Offset == 0 || !e.matches(f, size) {
			continue
		}
		if best == nil || e.Path == path && best.Path != path {
			best = e
		}
	}
	if best != nil {
		delete(j.entries, best.id())
		return j.take(best, id, path)
	}
	return nil
}

// take marks e active as the entry of the file id at path.
func (j *journal) take(e *entry, id fileID, path string) *entry {
	e.Dev, e.Inode, e.Path, e.active = id.dev, id.ino, path, true
	j.entries[id] = e
	j.dirty = true
	return e
}

// add makes the active entry of a file no entry fits, starting at offset.
func (j *journal) add(f *os.File, id fileID, path string, offset int64) *entry {
	e := &entry{Path: path, Dev: id.dev, Inode: id.ino, active: true}
	j.mu.Lock()
	j.entries[id] = e
	j.mu.Unlock()
	j.advance(e, f, offset)
	return e
}

// advance records that every record of e's file before offset is routed,
// extending the hash of its head while it is shorter than headSize.
func (j *journal) advance(e *entry, f *os.File, offset int64) {
	j.mu.Lock()
	headLen := e.HeadLen
	j.mu.Unlock()
	want := int(min(offset, headSize))
	var hash string
	if want != headLen {
		h, ok := hashHead(f, want)
		if !ok {
			return
		}
		hash = h
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if want != headLen {
		e.HeadLen, e.HeadHash = want, hash
	}
	e.Offset = offset
	j.dirty = true
}

// release marks e's file as no longer read, so that a scan that finds it
// again (renamed to a name file_match selects) resumes from e.
func (j *journal) release(e *entry) {
	j.mu.Lock()
	e.active = false
	j.mu.Unlock()
}

// prune forgets the entries of files that are neither read nor were seen
// by the last scan.
func (j *journal) prune(seen map[fileID]bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for id, e := range j.entries {
		if !e.active && !seen[id] {
			delete(j.entries, id)
			j.dirty = true
		}
	}
}

// offsets calls f with the path and offset of every file being read.
func (j *journal) offsets(f func(path string, offset int64)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.entries {
		if e.active {
			f(e.Path, e.Offset)
		}
	}
}
