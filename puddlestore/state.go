package puddlestore

import (
	"errors"
	"fmt"

	"distlabs/coord"
)

// Root is the node under which a cluster keeps all its state in the
// coordination service (the layout is in the README); deleting the tree
// under it forgets the cluster and its files.
const Root = rootNode

// State is what the coordination service holds of a cluster, read
// without a client: for a program that must know whether a cluster
// serves before it starts one or acts as a client.
type State struct {
	Created bool     // a cluster's tree is in the service
	Config  Config   // its Config, if Created
	Servers []string // addresses of the block servers registered now
	Entries int      // names in the file system's root directory
}

// ReadState reads the state of the cluster in conn's service; a service
// that never held one gives a State that is not Created.
func ReadState(conn coord.Conn) (State, error) {
	var s State
	cfg, err := readConfig(conn)
	if errors.Is(err, coord.ErrNoNode) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	s.Created, s.Config = true, cfg
	names, _, err := conn.Children(nodesNode)
	if err != nil && !errors.Is(err, coord.ErrNoNode) {
		return s, fmt.Errorf("puddlestore: list block servers: %w", err)
	}
	for _, n := range names {
		data, _, err := conn.Get(nodesNode + "/" + n)
		if errors.Is(err, coord.ErrNoNode) {
			continue // its session ended since the listing
		}
		if err != nil {
			return s, fmt.Errorf("puddlestore: read block server %s: %w", n, err)
		}
		s.Servers = append(s.Servers, string(data))
	}
	entries, _, err := conn.Children(fsNode)
	if err != nil && !errors.Is(err, coord.ErrNoNode) {
		return s, fmt.Errorf("puddlestore: list %s: %w", fsNode, err)
	}
	s.Entries = len(entries)
	return s, nil
}
