package kvtest

// Async runs f on a goroutine of its own and returns a channel that is
// closed when f returns. It is for an operation a test expects to block for
// a while (a Get that must wait until a partition heals) or that may hang
// (clients asked to stop): the test selects on the channel and a timer.
func Async(f func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return done
}
