package labrpc

import (
	"testing"
	"time"
)

// Regression: Read used to check the closed flag before taking the pipe's
// lock, so a Close landing in between left Read blocked forever. rn.mu is
// held here only to widen that window deterministically.
func TestRegressionReadWakesOnClose(t *testing.T) {
	rn := MakeNetworkSeed(1)
	defer rn.Cleanup()
	l, err := rn.Listen("srv:1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := rn.Dial("cli", "srv:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Accept(); err != nil {
		t.Fatal(err)
	}

	rn.mu.Lock() // Read will pass the closed check, then wait here in reachable()
	res := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		res <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close() // does not need rn.mu
	rn.mu.Unlock()

	select {
	case err := <-res:
		t.Logf("Read returned %v", err)
	case <-time.After(2 * time.Second):
		t.Fatal("Read still blocked 2s after Close returned (lost wakeup)")
	}
}

// The same race without any help, by plain concurrency.
func TestRegressionReadCloseRaceStress(t *testing.T) {
	rn := MakeNetworkSeed(1)
	defer rn.Cleanup()
	l, _ := rn.Listen("srv:1")
	for i := 0; i < 20000; i++ {
		c, err := rn.Dial("cli", "srv:1")
		if err != nil {
			t.Fatal(err)
		}
		s, _ := l.Accept()
		res := make(chan error, 1)
		go func() {
			_, err := c.Read(make([]byte, 10))
			res <- err
		}()
		for j := 0; j < i%2000; j++ {
			_ = rn.Seed()
		}
		c.Close()
		select {
		case <-res:
		case <-time.After(time.Second):
			t.Fatalf("iteration %d: Read blocked after Close", i)
		}
		s.Close()
	}
}
