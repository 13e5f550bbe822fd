package tritonhttp

import (
	"sync/atomic"
	"time"
)

// dateCache keeps the Date header value formatted once per second instead of
// once per response: formatting a time is a noticeable part of answering a
// small file, and the value only changes every second anyway.
type dateCache struct {
	cur atomic.Pointer[dateEntry]
}

// dateEntry is one formatted second; it is immutable once published.
type dateEntry struct {
	sec int64
	val []byte
}

// get returns the formatted current time. The slice must not be modified.
func (d *dateCache) get() []byte {
	now := time.Now()
	sec := now.Unix()
	if e := d.cur.Load(); e != nil && e.sec == sec {
		return e.val
	}
	e := &dateEntry{sec: sec, val: now.UTC().AppendFormat(make([]byte, 0, len(TimeFormat)), TimeFormat)}
	d.cur.Store(e)
	return e.val
}
