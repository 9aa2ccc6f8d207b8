// Package logstreamer is the LogstreamerInput: it tails the files of a
// directory that a regular expression selects, follows their rotation by
// rename and by copytruncate, and journals how far each file has been
// routed so that a restart resumes exactly there.
package logstreamer

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"sandpiper/core/pipeline"
)

func init() {
	pipeline.Register(pipeline.Registration{
		Type:    "LogstreamerInput",
		Kind:    pipeline.KindInput,
		Summary: "Tails the files of a directory that file_match selects, following rotation, resuming from a journal of offsets.",
		Config: func() any {
			return &config{Follow: true, RescanInterval: 5000, PollInterval: 250}
		},
		New: newLogstreamerInput,
	})
}

// journalInterval is how often the journal is saved while it changes.
const journalInterval = time.Second

type config struct {
	LogDirectory     string `toml:"log_directory" doc:"The directory whose files are read, subdirectories included."`
	FileMatch        string `toml:"file_match" doc:"A regular expression on a file's path relative to log_directory, anchored at its end (Heka appends $)."`
	Follow           bool   `toml:"follow" doc:"Whether files are tailed for ever (true) or read once to their end, after which the input finishes (false)."`
	RescanInterval   int    `toml:"rescan_interval" doc:"Milliseconds between two looks for new files in log_directory."`
	PollInterval     int    `toml:"poll_interval" doc:"Milliseconds a file at its end waits at most before it is checked for new data, rotation and truncation (inotify wakes it sooner)."`
	OldestDuration   string `toml:"oldest_duration" doc:"Files not modified within this duration (\"720h\") are not read; empty reads every file."`
	Logger           string `toml:"logger" doc:"Logger of the messages; empty is the file's path relative to log_directory."`
	Hostname         string `toml:"hostname" doc:"Hostname of the messages; empty is the daemon's host name."`
	InitialTail      bool   `toml:"initial_tail" doc:"Whether files found at start that the journal does not know are read from their end instead of their start."`
	JournalDirectory string `toml:"journal_directory" doc:"The directory of the journal of offsets; empty is base_dir/logstreamer."`
}

// Input is a LogstreamerInput.
type Input struct {
	cfg         config
	dir         string
	match       *regexp.Regexp
	rescan      time.Duration
	poll        time.Duration
	oldest      time.Duration
	hostname    string
	journalPath string

	watch *watcher // set by Run before any file is followed

	mu      sync.Mutex
	journal *journal
	paths   map[string]bool // paths read by a tailer now
	ids     map[fileID]bool // files read by a tailer now

	rotations   atomic.Int64
	truncations atomic.Int64
}

func newLogstreamerInput(env *pipeline.Env, c any) (any, error) {
	cfg := *c.(*config)
	in := &Input{cfg: cfg, hostname: cfg.Hostname}
	if cfg.LogDirectory == "" {
		return nil, fmt.Errorf("%s: log_directory is required", env.Name)
	}
	in.dir = cfg.LogDirectory
	if !filepath.IsAbs(in.dir) {
		in.dir = filepath.Join(env.ConfigDir, in.dir)
	}
	if cfg.FileMatch == "" {
		return nil, fmt.Errorf("%s: file_match is required", env.Name)
	}
	re, err := regexp.Compile("(?:" + cfg.FileMatch + ")$")
	if err != nil {
		// Compile the option alone so that the message speaks of it.
		if _, err2 := regexp.Compile(cfg.FileMatch); err2 != nil {
			err = err2
		}
		return nil, fmt.Errorf("%s: file_match %q: %v", env.Name, cfg.FileMatch, err)
	}
	in.match = re
	if cfg.RescanInterval <= 0 {
		return nil, fmt.Errorf("%s: rescan_interval %d: must be a positive number of milliseconds", env.Name, cfg.RescanInterval)
	}
	in.rescan = time.Duration(cfg.RescanInterval) * time.Millisecond
	if cfg.PollInterval <= 0 {
		return nil, fmt.Errorf("%s: poll_interval %d: must be a positive number of milliseconds", env.Name, cfg.PollInterval)
	}
	in.poll = time.Duration(cfg.PollInterval) * time.Millisecond
	if cfg.OldestDuration != "" {
		d, err := time.ParseDuration(cfg.OldestDuration)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s: oldest_duration %q: want a positive duration such as \"720h\"", env.Name, cfg.OldestDuration)
		}
		in.oldest = d
	}
	if in.hostname == "" {
		in.hostname = env.Globals.Hostname
	}
	jdir := cfg.JournalDirectory
	switch {
	case jdir == "" && env.Globals.BaseDir == "":
		return nil, fmt.Errorf("%s: journal_directory is empty and so is base_dir: the journal has no place", env.Name)
	case jdir == "":
		jdir = filepath.Join(env.Globals.BaseDir, "logstreamer")
	case !filepath.IsAbs(jdir):
		jdir = filepath.Join(env.ConfigDir, jdir)
	}
	in.journalPath = filepath.Join(jdir, env.Name+".json")
	return in, nil
}

// Run reads the matching files until ctx is cancelled or, with follow =
// false, until every file found has been read to its end; it saves the
// journal before it returns.
func (in *Input) Run(ctx context.Context, r pipeline.InputRunner) error {
	j, err := loadJournal(in.journalPath)
	if err != nil {
		r.Logf("%v: reading every file from its start", err)
	}
	in.mu.Lock()
	in.journal, in.paths, in.ids = j, map[string]bool{}, map[fileID]bool{}
	in.mu.Unlock()

	in.watch = newWatcher(r.Logf)
	defer in.watch.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	failed := make(chan error, 1)
	rescan := make(chan struct{}, 1)
	finish := func(err error) error {
		cancel()
		wg.Wait()
		if serr := j.save(); serr != nil {
			r.Logf("journal: %v", serr)
		}
		return err
	}

	sc := scanner{in: in, r: r, first: true}
	scanTicker := time.NewTicker(in.rescan)
	defer scanTicker.Stop()
	saveTicker := time.NewTicker(journalInterval)
	defer saveTicker.Stop()
	for {
		for _, t := range sc.scan() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rotated, err := t.run(ctx)
				switch {
				case err != nil:
					select {
					case failed <- err:
					default:
					}
				case rotated:
					select {
					case rescan <- struct{}{}:
					default:
					}
				}
			}()
		}
		if !in.cfg.Follow {
			wg.Wait()
			select {
			case err := <-failed:
				return finish(err)
			default:
				return finish(nil)
			}
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return finish(nil)
			case err := <-failed:
				return finish(err)
			case <-scanTicker.C:
				break wait
			case <-rescan:
				break wait
			case <-saveTicker.C:
				if err := j.save(); err != nil {
					r.Logf("journal: %v", err)
				}
			}
		}
	}
}

// scanner finds the files to read, one scan at a time, from Run's
// goroutine.
type scanner struct {
	in      *Input
	r       pipeline.InputRunner
	first   bool
	lastErr string
}

type found struct {
	path, rel string
	f         *os.File
	fi        os.FileInfo
	id        fileID
}

// scan returns a tailer for every matching file no tailer reads yet.
func (sc *scanner) scan() []*tailer {
	in := sc.in
	var files []found
	seen, opened := map[fileID]bool{}, map[fileID]bool{}
	err := filepath.WalkDir(in.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == in.dir {
				return err
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(in.dir, path)
		if err != nil || !in.match.MatchString(filepath.ToSlash(rel)) {
			return nil
		}
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		id := idOf(fi)
		seen[id] = true
		if in.oldest > 0 && time.Since(fi.ModTime()) > in.oldest {
			return nil
		}
		in.mu.Lock()
		busy := in.paths[path] || in.ids[id]
		in.mu.Unlock()
		if busy {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			sc.r.Logf("%s: %v", rel, err)
			return nil
		}
		fi, err = f.Stat()
		if err != nil || opened[idOf(fi)] {
			// A second name of a file found already (a link) is not read twice.
			f.Close()
			return nil
		}
		opened[idOf(fi)] = true
		files = append(files, found{path: path, rel: filepath.ToSlash(rel), f: f, fi: fi, id: idOf(fi)})
		return nil
	})
	if err != nil {
		if msg := err.Error(); msg != sc.lastErr {
			sc.r.Logf("log_directory: %v", err)
			sc.lastErr = msg
		}
	} else {
		sc.lastErr = ""
	}
	sort.Slice(files, func(a, b int) bool { return files[a].rel < files[b].rel })

	j := in.journal
	entries := make([]*entry, len(files))
	for pass := 1; pass <= 2; pass++ {
		for i, fd := range files {
			if entries[i] == nil {
				entries[i] = j.claim(pass, fd.f, fd.id, fd.fi.Size(), fd.rel)
			}
		}
	}
	var tailers []*tailer
	in.mu.Lock()
	for i, fd := range files {
		if in.ids[fd.id] {
			// Renamed, between the look at its name and its opening, to
			// the name of a file read already.
			fd.f.Close()
			continue
		}
		e := entries[i]
		if e == nil {
			var start int64
			if sc.first && in.cfg.InitialTail {
				start = fd.fi.Size()
			}
			e = j.add(fd.f, fd.id, fd.rel, start)
		}
		in.paths[fd.path], in.ids[fd.id] = true, true
		seen[fd.id] = true
		tailers = append(tailers, &tailer{in: in, r: sc.r, path: fd.path, rel: fd.rel, f: fd.f, id: fd.id, e: e})
	}
	in.mu.Unlock()
	j.prune(seen)
	sc.first = false
	return tailers
}

// tailer reads one file, from its journal entry's offset, as one stream.
type tailer struct {
	in   *Input
	r    pipeline.InputRunner
	path string
	rel  string
	f    *os.File
	id   fileID
	e    *entry
}

// run reads the file until it ends (follow = false), is rotated away and
// read to its end (rotated is then true), or ctx is cancelled; a
// truncated file is read again from its start. err is an error that stops
// the input (a read error, a decoder that died).
func (t *tailer) run(ctx context.Context) (rotated bool, err error) {
	in := t.in
	j := in.journal
	defer func() {
		t.f.Close()
		j.release(t.e)
		in.mu.Lock()
		delete(in.paths, t.path)
		delete(in.ids, t.id)
		in.mu.Unlock()
	}()
	logger := in.cfg.Logger
	if logger == "" {
		logger = t.rel
	}
	s := t.r.NewStream(pipeline.Source{Input: t.r.Name(), Logger: logger, Hostname: in.hostname})
	defer s.Close()
	var w *waker
	if in.cfg.Follow {
		w = in.watch.add(t.path)
		defer w.stop()
	}
	for {
		j.mu.Lock()
		start := t.e.Offset
		j.mu.Unlock()
		if _, err := t.f.Seek(start, io.SeekStart); err != nil {
			return false, fmt.Errorf("%s: %w", t.rel, err)
		}
		fr := &fileReader{ctx: ctx, f: t.f, path: t.path, follow: in.cfg.Follow, poll: in.poll, w: w, pos: start}
		err := s.ReadFrom(ctx, fr, func(end int64) {
			j.advance(t.e, t.f, start+end)
		})
		if ctx.Err() != nil {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%s: %w", t.rel, err)
		}
		switch fr.end {
		case endRotated:
			in.rotations.Add(1)
			return true, nil
		case endTruncated:
			in.truncations.Add(1)
			t.r.Logf("%s: truncated at offset %d: reading it again from its start", t.rel, fr.pos)
			j.mu.Lock()
			t.e.Offset, t.e.HeadLen, t.e.HeadHash = 0, 0, ""
			j.dirty = true
			j.mu.Unlock()
		default:
			return false, nil
		}
	}
}

// Report adds the files being read and their offsets (key "offset
// <path>"), and the rotations and truncations followed since start.
func (in *Input) Report(add func(key string, value any)) {
	in.mu.Lock()
	j := in.journal
	in.mu.Unlock()
	files := 0
	if j != nil {
		j.offsets(func(path string, offset int64) {
			files++
			add("offset "+path, offset)
		})
	}
	add("files", files)
	add("rotations", in.rotations.Load())
	add("truncations", in.truncations.Load())
}
