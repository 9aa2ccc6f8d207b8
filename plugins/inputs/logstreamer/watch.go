package logstreamer

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher turns file change notifications (inotify, through fsnotify) on the
// directories of the files being followed into wake-ups of their readers,
// so that a new line is read at once rather than at the next poll.
// Notifications are hints only: every wait is bounded by poll_interval, so
// a lost or missing notification costs latency, never data.
//
// One watcher serves the whole input, watching directories rather than
// files, because each fsnotify watcher is an inotify instance and a system
// allows few of them (128 per user by default). The tail library's own
// watcher was not used for this: it ends the process (os.Exit) when it
// cannot create a watcher or stat a file, and a daemon must not die of
// either.
type watcher struct {
	fs   *fsnotify.Watcher // nil: polling only
	done chan struct{}     // closed when loop has ended

	mu   sync.Mutex
	dirs map[string]int                 // watched directory → files followed in it
	wake map[string]map[*waker]struct{} // file path → its waiting readers
}

// newWatcher starts the watcher's goroutine, which ends when close is
// called. Without notifications (logged once) readers poll.
func newWatcher(logf func(format string, args ...any)) *watcher {
	w := &watcher{dirs: map[string]int{}, wake: map[string]map[*waker]struct{}{}}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		logf("no file change notifications (%v): files are polled every poll_interval", err)
		return w
	}
	w.fs, w.done = fw, make(chan struct{})
	go w.loop()
	return w
}

func (w *watcher) loop() {
	defer close(w.done)
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			w.mu.Lock()
			for wk := range w.wake[filepath.Clean(ev.Name)] {
				select {
				case wk.ch <- struct{}{}:
				default:
				}
			}
			w.mu.Unlock()
		case _, ok := <-w.fs.Errors:
			// An overflow of the kernel's queue loses notifications,
			// which polling makes up for.
			if !ok {
				return
			}
		}
	}
}

// close stops the notifications and waits for the goroutine to end.
func (w *watcher) close() {
	if w.fs != nil {
		w.fs.Close()
		<-w.done
	}
}

// waker is one reader's end of the watcher.
type waker struct {
	w       *watcher
	path    string
	ch      chan struct{}
	watched bool
}

// add returns a waker for the file at path, watching its directory; when
// the directory cannot be watched the waker only polls.
func (w *watcher) add(path string) *waker {
	path = filepath.Clean(path)
	wk := &waker{w: w, path: path, ch: make(chan struct{}, 1)}
	if w.fs == nil {
		return wk
	}
	dir := filepath.Dir(path)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dirs[dir] == 0 {
		if err := w.fs.Add(dir); err != nil {
			return wk
		}
	}
	w.dirs[dir]++
	if w.wake[path] == nil {
		w.wake[path] = map[*waker]struct{}{}
	}
	w.wake[path][wk] = struct{}{}
	wk.watched = true
	return wk
}

// wait returns when the file may have changed, poll has passed, or ctx is
// done (then with its error).
func (wk *waker) wait(ctx context.Context, poll time.Duration) error {
	t := time.NewTimer(poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-wk.ch:
	}
	return nil
}

// stop removes the waker, and the directory's watch with its last file.
func (wk *waker) stop() {
	if !wk.watched {
		return
	}
	w := wk.w
	dir := filepath.Dir(wk.path)
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.wake[wk.path], wk)
	if len(w.wake[wk.path]) == 0 {
		delete(w.wake, wk.path)
	}
	if w.dirs[dir]--; w.dirs[dir] == 0 {
		delete(w.dirs, dir)
		w.fs.Remove(dir)
	}
}
