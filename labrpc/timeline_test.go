package labrpc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// recordedNet returns a network of the test's seed that records into a
// fresh timeline.
func recordedNet(t *labtest.T) (*labrpc.Network, *labrpc.Timeline) {
	tl := labrpc.NewTimeline(0)
	rn := labrpc.MakeNetworkSeed(t.Seed)
	rn.Record(tl)
	t.Cleanup(rn.Cleanup)
	return rn, tl
}

// Every call becomes one message event with its outcome, its times in
// order and the rendering of its args and reply.
func TestTimelineRecordsEveryCall(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, tl := recordedNet(t)
		serveOn(rn, "server", &Probe{})
		e := endTo(rn, "end", "server")
		rn.SetEndOwner("end", "client")
		rn.Reliable(false)
		outcomes := map[bool]int{}
		for i := 0; i < 200; i++ {
			var reply string
			outcomes[e.Call("Probe.Label", i, &reply)]++
		}
		rn.Enable("end", false)
		var reply string
		assert.False(t, e.Call("Probe.Label", -1, &reply))

		evs, dropped := tl.Events()
		assert.Zero(t, dropped)
		var msgs, delivered, disabled int
		for _, ev := range evs {
			if ev.Kind != labrpc.KindMessage {
				continue
			}
			msgs++
			assert.Equal(t, "end", ev.From)
			assert.Equal(t, "server", ev.To)
			assert.LessOrEqual(t, ev.At, ev.Done)
			switch ev.Outcome {
			case labrpc.Delivered:
				delivered++
				assert.True(t, ev.At < ev.Recv && ev.Recv <= ev.Back && ev.Back < ev.Done, "times out of order: %+v", ev)
				arg, rep, ok := strings.Cut(ev.Text, " => ")
				assert.True(t, ok && rep == "label-"+arg, "text %q", ev.Text)
			case labrpc.RequestDropped:
				assert.Equal(t, time.Duration(-1), ev.Recv)
			case labrpc.Disabled:
				disabled++
			}
		}
		assert.Equal(t, 201, msgs, "one event per call")
		assert.Equal(t, outcomes[true], delivered, "delivered events = calls that returned true")
		assert.Equal(t, 1, disabled)
		assert.Equal(t, map[string]string{"end": "client"}, tl.Owners())
	})
}

// The network records link changes (only real changes), servers,
// partitions and notes, and a note names the node the end leads to.
func TestTimelineRecordsTopologyAndNotes(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, tl := recordedNet(t)
		serveOn(rn, "s0", &Probe{})
		self := endTo(rn, "s0-self", "s0") // connect + up
		rn.Enable("s0-self", true)         // no change: not recorded
		rn.Enable("s0-self", false)
		rn.Partition([]string{"s0"}, []string{"s1"})
		rn.Heal()
		rn.DeleteServer("s0")
		require.True(t, self.Tracing())
		self.Note("role=leader term=5")
		rn.Step("crash s0")

		evs, _ := tl.Events()
		var got []string
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%s %s %s %s", ev.Kind, ev.From, ev.To, ev.Text))
		}
		assert.Equal(t, []string{
			"server  s0 start",
			"link s0-self s0 connect",
			"link s0-self s0 up",
			"link s0-self s0 down",
			"partition   partition [[s0] [s1]]",
			"partition   heal",
			"server  s0 delete",
			"note s0  role=leader term=5",
			"step   crash s0",
		}, got)
	})
}

// A full timeline keeps the newest events and counts the others.
func TestTimelineKeepsTheLastEvents(t *testing.T) {
	tl := labrpc.NewTimeline(10)
	for i := 0; i < 25; i++ {
		tl.Step(fmt.Sprint(i))
	}
	evs, dropped := tl.Events()
	assert.Equal(t, uint64(15), dropped)
	require.Len(t, evs, 10)
	for i, ev := range evs {
		assert.Equal(t, fmt.Sprint(15+i), ev.Text)
	}
	tl.Stop()
	tl.Step("late")
	evs, _ = tl.Events()
	assert.Equal(t, "24", evs[len(evs)-1].Text, "a stopped timeline records nothing")
}

// Networks made after SetDefaultTimeline record into it; without one,
// nothing is recorded and a note is a no-op.
func TestTimelineDefault(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		off := labrpc.MakeNetworkSeed(t.Seed)
		t.Cleanup(off.Cleanup)
		assert.Nil(t, off.Timeline())
		e := off.MakeEnd("e")
		assert.False(t, e.Tracing())
		e.Note("ignored")

		tl := labrpc.NewTimeline(0)
		labrpc.SetDefaultTimeline(tl)
		defer labrpc.SetDefaultTimeline(nil)
		assert.Same(t, tl, labrpc.CurrentTimeline())
		on := labrpc.MakeNetwork()
		t.Cleanup(on.Cleanup)
		assert.Same(t, tl, on.Timeline())
		assert.Nil(t, off.Timeline(), "an older network stays unrecorded")
	})
}

// Stream connections record their opening, each write with its bytes,
// and their closing, on the hosts' lanes.
func TestTimelineRecordsStreams(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, tl := recordedNet(t)
		_, client, server := streamPair(t, rn)
		_, err := client.Write([]byte("hello"))
		require.NoError(t, err)
		buf := make([]byte, 5)
		_, err = server.Read(buf)
		require.NoError(t, err)
		require.NoError(t, client.Close())
		evs, _ := tl.Events()
		var got []string
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%s %s->%s %s", ev.Kind, ev.From, ev.To, strings.Fields(ev.Text)[0]))
		}
		assert.Equal(t, []string{"stream c->s open", "message c->s 5", "stream c->s close"}, got)
	})
}
