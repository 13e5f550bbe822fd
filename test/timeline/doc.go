// Package timeline renders a labrpc.Timeline as one self-contained HTML
// page: a Lamport diagram of a test's run, with a lane per node, an arrow
// per message at its virtual times (drops and late replies marked), the
// nodes' notes as bands on their lanes, partitions and crashes, and the
// test's steps. The page needs no network: its script, style and data are
// inline. It offers zoom, filters by node, message and time range, and a
// search over notes, steps and messages.
//
// The harness (test/labtest) writes a page for a test run with
// -timeline FILE.html; the grader asks for one per failing test. The
// browser test of this package opens a generated page in headless
// Chromium and checks that what the script drew matches the recorded
// events: after rendering, the page's body carries data-lanes,
// data-arrows (messages drawn) and data-messages (messages in the data).
package timeline
