package kvtest

import "testing"

// The channel stays open while f runs and is closed once it returns.
func TestAsync(t *testing.T) {
	release, ran := make(chan struct{}), false
	done := Async(func() {
		<-release
		ran = true
	})
	select {
	case <-done:
		t.Fatal("the channel was closed while f was still running")
	default:
	}
	close(release)
	<-done
	if !ran {
		t.Fatal("the channel was closed before f returned")
	}
}
