//solution:file

package distsort

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// run is Run after the configuration has been checked and defaulted.
func run(ctx context.Context, cfg *Config) (res *Result, err error) {
	m := newMesh(cfg.ID, cfg.Peers, cfg.Listener)
	defer m.abort()
	stop := context.AfterFunc(ctx, m.abort)
	defer stop()
	defer func() {
		// After an abort caused by the caller, report the caller's reason
		// rather than the closed-connection errors it provoked.
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
		}
	}()

	nrec, err := CheckInputFile(cfg.Input)
	if err != nil {
		return nil, err
	}
	if err := removeStaleTemps(cfg.Output); err != nil {
		return nil, err
	}
	in, err := os.Open(cfg.Input)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	defer in.Close()
	res = &Result{Read: nrec}

	trace := func(string) {}
	if cfg.Trace != nil {
		trace = cfg.Trace
	}
	trace("connect")
	t0 := time.Now()
	if err := m.connect(ctx, cfg); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	t1 := time.Now()
	trace("exchange")
	res.Connect = t1.Sub(t0)

	part := EqualRanges(len(cfg.Peers))
	if cfg.Split == SplitSample {
		if part, err = m.exchangeSamples(cfg, in, nrec); err != nil {
			return nil, fmt.Errorf("sample: %w", err)
		}
	}

	ms := &meters{on: cfg.Meter}
	sk := newSink(binnerFor(part, cfg.ID), cfg.MemoryBudget, cfg.SpillDir, cfg.Workers, ms)
	defer sk.removeRuns()
	if err := m.exchange(cfg, in, part, sk); err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	t2 := time.Now()
	trace("sort")
	res.Exchange = t2.Sub(t1)
	res.Received = sk.records

	tmp, err := writeTemp(cfg, sk, ms)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = os.Remove(tmp) // best effort: a failed run leaves no output
		}
	}()
	res.Runs = len(sk.runs)
	sk.removeRuns()
	t3 := time.Now()
	trace("commit")
	res.Sort = t3.Sub(t2)

	if res.Counts, err = m.commit(cfg, res.Received); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	if err := ms.timeWall(&ms.rename, func() error { return os.Rename(tmp, cfg.Output) }); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	committed = true
	res.Imbalance = imbalance(res.Counts)
	res.Commit = time.Since(t3)
	res.Phases = ms.phases()
	trace("done")
	return res, nil
}

// writeTemp writes the sorted output to a temporary file beside the output
// and returns its name.
func writeTemp(cfg *Config, sk *sink, ms *meters) (name string, err error) {
	f, err := createTemp(cfg.Output)
	if err != nil {
		return "", fmt.Errorf("output: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("output: %w", cerr)
		}
		if err != nil {
			_ = os.Remove(f.Name()) // best effort cleanup of a failed write
		}
	}()
	if err := sk.writeOutput(f); err != nil {
		return "", fmt.Errorf("output: %w", err)
	}
	if cfg.Sync {
		if err := ms.timeWall(&ms.fsync, f.Sync); err != nil {
			return "", fmt.Errorf("output: %w", err)
		}
		ms.fsync.add(int(sk.records * RecordSize))
	}
	return f.Name(), nil
}

// exchangeSamples sends our key sample to every peer, receives theirs, and
// derives the splitters every server agrees on.
func (m *mesh) exchangeSamples(cfg *Config, in *os.File, nrec int64) (*Partitioner, error) {
	k := min(int64(cfg.SampleSize), nrec, maxSampleKeys)
	mine := make([]byte, 0, k*KeySize)
	rec := make([]byte, RecordSize)
	for i := range k {
		if _, err := in.ReadAt(rec, i*nrec/k*RecordSize); err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
		mine = append(mine, rec[:KeySize]...)
	}
	got := make([][]byte, len(cfg.Peers))
	got[cfg.ID] = mine
	p := newPhase(m.abort)
	for j := range cfg.Peers {
		if j == cfg.ID {
			continue
		}
		p.run(func() error {
			if err := m.out[j].SetWriteDeadline(time.Now().Add(cfg.IOTimeout)); err != nil {
				return fmt.Errorf("%s: %w", m.peerName(j), err)
			}
			if err := writeFrame(m.out[j], frameSample, mine); err != nil {
				return fmt.Errorf("send to %s: %w", m.peerName(j), err)
			}
			return nil
		})
		p.run(func() error {
			if err := m.in[j].SetReadDeadline(time.Now().Add(cfg.IOTimeout)); err != nil {
				return fmt.Errorf("%s: %w", m.peerName(j), err)
			}
			typ, pay, err := readFrame(m.in[j], nil)
			if err == nil && (typ != frameSample || len(pay)%KeySize != 0) {
				err = fmt.Errorf("unexpected frame %q of %d bytes", typ, len(pay))
			}
			if err != nil {
				return fmt.Errorf("receive from %s: %w", m.peerName(j), err)
			}
			got[j] = pay
			return nil
		})
	}
	if err := p.wait(); err != nil {
		return nil, err
	}
	var keys [][]byte
	for _, g := range got {
		for off := 0; off < len(g); off += KeySize {
			keys = append(keys, g[off:off+KeySize])
		}
	}
	return SplittersFromSamples(keys, len(cfg.Peers)), nil
}

// exchange streams our input to the servers owning each record and receives
// our share from every peer into sk.
func (m *mesh) exchange(cfg *Config, in *os.File, part *Partitioner, sk *sink) error {
	n := len(cfg.Peers)
	p := newPhase(m.abort)
	queues := make([]chan []byte, n)
	free := make([]chan []byte, n)
	for j := range n {
		if j == cfg.ID {
			continue
		}
		queues[j] = make(chan []byte, 4)
		free[j] = make(chan []byte, 4)
		for range 4 {
			free[j] <- make([]byte, frameHeader, batchCapacity)
		}
		p.run(func() error { return m.send(cfg, j, queues[j], free[j], sk.ms) })
		p.run(func() error { return m.receive(cfg, j, part, sk) })
	}
	p.run(func() error { return m.scatter(in, part, sk, queues, free) })
	return p.wait()
}

// scatter reads the input with large reads and routes every record into the
// batch of the server that owns its key. Full batches go to the peer's
// sender; our own records go straight into the sink.
func (m *mesh) scatter(in *os.File, part *Partitioner, sk *sink, queues, free []chan []byte) error {
	if _, err := in.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	const readRecords = 40960
	buf := make([]byte, readRecords*RecordSize)
	ms := sk.ms
	clk := ms.startClock(&ms.partition)
	defer clk.stop()
	batches := make([][]byte, len(queues))
	for j := range batches {
		if j == m.id {
			batches[j] = make([]byte, frameHeader, batchCapacity)
		}
	}
	// flush hands batch j on and takes a fresh buffer.
	flush := func(j int) error {
		b := batches[j]
		if len(b) == frameHeader {
			return nil
		}
		if j == m.id {
			batches[j] = b[:frameHeader]
			clk.to(&ms.bin)
			defer clk.to(&ms.partition)
			return sk.write(b[frameHeader:])
		}
		select {
		case queues[j] <- b:
		case <-m.done:
			return errors.New("aborted")
		}
		batches[j] = nil
		return nil
	}
	for {
		clk.to(&ms.read)
		nr, rerr := io.ReadFull(in, buf)
		clk.to(&ms.partition)
		ms.read.add(nr)
		ms.partition.add(nr)
		if rerr == io.ErrUnexpectedEOF && nr%RecordSize != 0 {
			return fmt.Errorf("input changed size: %d trailing bytes", nr%RecordSize)
		}
		for off := 0; off < nr; off += RecordSize {
			rec := buf[off : off+RecordSize]
			j := part.Dest(rec)
			if batches[j] == nil {
				select {
				case batches[j] = <-free[j]:
				case <-m.done:
					return errors.New("aborted")
				}
			}
			batches[j] = append(batches[j], rec...)
			if len(batches[j]) == batchCapacity {
				if err := flush(j); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("read input: %w", rerr)
		}
	}
	for j := range batches {
		if batches[j] != nil {
			if err := flush(j); err != nil {
				return err
			}
		}
	}
	// Only a complete scatter closes the queues: after a failure the
	// senders must not send end frames, so they stop on the abort instead.
	for _, q := range queues {
		if q != nil {
			close(q)
		}
	}
	return nil
}

// send writes the batches queued for peer j as data frames, then an end
// frame with the record count.
func (m *mesh) send(cfg *Config, j int, queue <-chan []byte, free chan<- []byte, ms *meters) error {
	c := m.out[j]
	clk := ms.startClock(&ms.send)
	defer clk.stop()
	var sent uint64
	for {
		var b []byte
		select {
		case b = <-queue:
		case <-m.done:
			return errors.New("aborted")
		}
		if b == nil {
			break // queue closed: the scatter is complete
		}
		putHeader(b, frameData, len(b)-frameHeader)
		if err := c.SetWriteDeadline(time.Now().Add(cfg.IOTimeout)); err != nil {
			return fmt.Errorf("send to %s: %w", m.peerName(j), err)
		}
		if _, err := c.Write(b); err != nil {
			return fmt.Errorf("send to %s: %w", m.peerName(j), err)
		}
		sent += uint64((len(b) - frameHeader) / RecordSize)
		ms.send.add(len(b))
		free <- b[:frameHeader]
	}
	if err := writeU64Frame(c, frameEnd, sent); err != nil {
		return fmt.Errorf("send to %s: %w", m.peerName(j), err)
	}
	return nil
}

// receive reads peer j's data frames into the sink until its end frame. A
// record outside our key range fails the run: no correct peer sends one,
// so the sender is broken or not a peer at all.
func (m *mesh) receive(cfg *Config, j int, part *Partitioner, sk *sink) error {
	c := m.in[j]
	buf := make([]byte, batchCapacity)
	var got uint64
	ms := sk.ms
	clk := ms.startClock(&ms.receive)
	defer clk.stop()
	for {
		if err := c.SetReadDeadline(time.Now().Add(cfg.IOTimeout)); err != nil {
			return fmt.Errorf("receive from %s: %w", m.peerName(j), err)
		}
		typ, p, err := readFrame(c, buf)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("receive from %s: connection closed before its end frame (peer died?): %w", m.peerName(j), err)
			}
			return fmt.Errorf("receive from %s: %w", m.peerName(j), err)
		}
		switch typ {
		case frameData:
			if len(p)%RecordSize != 0 {
				return fmt.Errorf("receive from %s: data frame of %d bytes is not whole records", m.peerName(j), len(p))
			}
			for off := 0; off < len(p); off += RecordSize {
				if d := part.Dest(p[off : off+RecordSize]); d != m.id {
					return fmt.Errorf("receive from %s: a record of key range %d, not ours (%d)", m.peerName(j), d, m.id)
				}
			}
			ms.receive.add(frameHeader + len(p))
			clk.to(&ms.bin)
			err := sk.write(p)
			clk.to(&ms.receive)
			if err != nil {
				return err
			}
			got += uint64(len(p) / RecordSize)
		case frameEnd:
			want, err := u64Payload(typ, p)
			if err != nil {
				return fmt.Errorf("receive from %s: %w", m.peerName(j), err)
			}
			if want != got {
				return fmt.Errorf("receive from %s: end frame says %d records, received %d", m.peerName(j), want, got)
			}
			return nil
		default:
			return fmt.Errorf("receive from %s: unexpected frame %q", m.peerName(j), typ)
		}
	}
}

// commit tells every peer our output is written and waits until every peer
// says the same; it returns every server's received-record count.
func (m *mesh) commit(cfg *Config, received int64) ([]int64, error) {
	counts := make([]int64, len(cfg.Peers))
	counts[cfg.ID] = received
	p := newPhase(m.abort)
	for j := range cfg.Peers {
		if j == cfg.ID {
			continue
		}
		p.run(func() error {
			if err := m.out[j].SetWriteDeadline(time.Now().Add(cfg.IOTimeout)); err != nil {
				return fmt.Errorf("%s: %w", m.peerName(j), err)
			}
			if err := writeU64Frame(m.out[j], frameCommit, uint64(received)); err != nil {
				return fmt.Errorf("send to %s: %w", m.peerName(j), err)
			}
			return nil
		})
		p.run(func() error {
			if err := m.in[j].SetReadDeadline(time.Now().Add(cfg.IOTimeout)); err != nil {
				return fmt.Errorf("%s: %w", m.peerName(j), err)
			}
			typ, pay, err := readFrame(m.in[j], nil)
			if err != nil {
				return fmt.Errorf("%s failed before committing: %w", m.peerName(j), err)
			}
			if typ != frameCommit {
				return fmt.Errorf("%s: unexpected frame %q", m.peerName(j), typ)
			}
			v, err := u64Payload(typ, pay)
			if err != nil {
				return fmt.Errorf("%s: %w", m.peerName(j), err)
			}
			counts[j] = int64(v)
			return nil
		})
	}
	return counts, p.wait()
}
