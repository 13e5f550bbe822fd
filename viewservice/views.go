//solution:file A

package viewservice

import (
	"fmt"
	"slices"
	"time"

	"distlabs/labrpc"
)

// forgetAfter is how long the service remembers a server that stopped
// pinging: far beyond DeadPings, so only servers that are gone for good are
// dropped. It bounds the maps whatever names callers ping with.
const forgetAfter = 20 * DeadPings * PingInterval

// recordPingLocked handles one ping from server me that has seen view n.
func (vs *ViewServer) recordPingLocked(me string, n uint, now time.Time) {
	restarted := n == 0 && vs.lastNum[me] > 0
	vs.lastPing[me] = now
	vs.lastNum[me] = n
	switch {
	case vs.view.Viewnum == 0:
		// The very first server to ping becomes primary.
		vs.setViewLocked(me, "")
		return
	case vs.failed[me]:
		// A restarted server's pings say nothing about the view it lost:
		// above all they must not acknowledge it.
	case me == vs.view.Primary || me == vs.view.Backup:
		if restarted {
			vs.failed[me] = true
		} else if me == vs.view.Primary && n == vs.view.Viewnum {
			vs.acked = true
			vs.noteLocked()
		}
	}
	vs.advanceLocked(now)
}

// aliveLocked reports whether server s is alive for the current view.
func (vs *ViewServer) aliveLocked(s string, now time.Time) bool {
	last, ok := vs.lastPing[s]
	return s != "" && ok && !vs.failed[s] && now.Sub(last) < DeadPings*PingInterval
}

// idleLocked returns a live server that has no role in the current view
// ("" if none). The choice is the smallest name, so a run does not depend
// on map order.
func (vs *ViewServer) idleLocked(now time.Time) string {
	var idle []string
	for s := range vs.lastPing {
		if s != vs.view.Primary && s != vs.view.Backup && now.Sub(vs.lastPing[s]) < DeadPings*PingInterval {
			idle = append(idle, s)
		}
	}
	if len(idle) == 0 {
		return ""
	}
	return slices.Min(idle)
}

// advanceLocked moves to the next view if the current one is acknowledged
// and a role needs filling: a dead primary is replaced by its live backup
// (never by an idle server, which has no data), a dead or missing backup by
// an idle server.
func (vs *ViewServer) advanceLocked(now time.Time) {
	if !vs.acked {
		return // the primary may not know this view yet
	}
	p, b := vs.view.Primary, vs.view.Backup
	switch {
	case !vs.aliveLocked(p, now):
		if vs.aliveLocked(b, now) {
			vs.setViewLocked(b, vs.idleLocked(now))
		}
		// Otherwise no one holds the data: stay, the service is down.
	case b != "" && !vs.aliveLocked(b, now):
		vs.setViewLocked(p, vs.idleLocked(now))
	case b == "":
		if idle := vs.idleLocked(now); idle != "" {
			vs.setViewLocked(p, idle)
		}
	}
}

// setViewLocked starts the next view.
func (vs *ViewServer) setViewLocked(primary, backup string) {
	vs.view = View{Viewnum: vs.view.Viewnum + 1, Primary: primary, Backup: backup}
	vs.acked = false
	clear(vs.failed)
	vs.noteLocked()
}

// forgetLocked drops servers that have not pinged for forgetAfter and hold
// no role.
func (vs *ViewServer) forgetLocked(now time.Time) {
	for s, last := range vs.lastPing {
		if now.Sub(last) > forgetAfter && s != vs.view.Primary && s != vs.view.Backup {
			delete(vs.lastPing, s)
			delete(vs.lastNum, s)
		}
	}
}

// noteLocked records the current view and whether its primary acknowledged
// it on the run's timeline (a band on the view service's lane) when that
// changed. A no-op unless the run is recorded; vs.mu held.
func (vs *ViewServer) noteLocked() {
	if !labrpc.Recording() {
		return
	}
	text := fmt.Sprintf("view=%d primary=%s backup=%s acked=%t", vs.view.Viewnum, vs.view.Primary, vs.view.Backup, vs.acked)
	if text != vs.noted {
		vs.noted = text
		labrpc.NoteNode(vs.me, text)
	}
}
