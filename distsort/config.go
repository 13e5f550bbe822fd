package distsort

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ServerEntry is one server of a cluster config file.
type ServerEntry struct {
	ServerID int    `yaml:"serverId"`
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
}

// UnmarshalYAML decodes an entry whose serverId and port may be written as
// numbers or as numeric strings (the course's own config.yaml quotes its
// ports: port: "8080").
func (e *ServerEntry) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		ServerID yaml.Node `yaml:"serverId"`
		Host     string    `yaml:"host"`
		Port     yaml.Node `yaml:"port"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	id, err := yamlInt(&raw.ServerID, "serverId")
	if err != nil {
		return err
	}
	port, err := yamlInt(&raw.Port, "port")
	if err != nil {
		return err
	}
	*e = ServerEntry{ServerID: id, Host: raw.Host, Port: port}
	return nil
}

// yamlInt reads a scalar that holds a decimal integer, quoted or not. A
// missing field reads as -1, which the range checks of LoadCluster reject.
func yamlInt(n *yaml.Node, field string) (int, error) {
	if n.Kind == 0 {
		return -1, nil
	}
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("line %d: %s must be a number", n.Line, field)
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.Value))
	if err != nil {
		return 0, fmt.Errorf("line %d: %s %q is not a number", n.Line, field, n.Value)
	}
	return v, nil
}

// ClusterFile is the YAML cluster config the CLI reads:
//
//	servers:
//	  - {serverId: 0, host: 127.0.0.1, port: 9000}
//	  - {serverId: 1, host: 127.0.0.1, port: "9001"}
//	secret: 3f1c...   # optional; see ClusterToken
type ClusterFile struct {
	Servers []ServerEntry `yaml:"servers"`
	// Secret is any string; it only matters as part of the file's bytes,
	// from which ClusterToken derives the run's token.
	Secret string `yaml:"secret,omitempty"`
}

// ClusterToken derives a run's token (Config.Token) from the bytes of its
// cluster config file: servers started from the same file agree on it,
// and a process that cannot read the file cannot prove membership. The
// token is exactly as secret as the file: keep it unreadable by others
// (WriteCluster writes it 0600 with a random secret line).
func ClusterToken(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster config: %w", err)
	}
	sum := sha256.Sum256(append([]byte("distsort cluster token\x00"), data...))
	return sum[:], nil
}

// LoadCluster reads a cluster config and returns the server addresses
// indexed by server id. Ids must be exactly 0..N-1.
func LoadCluster(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster config: %w", err)
	}
	var cf ClusterFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		return nil, fmt.Errorf("cluster config %s: %w", path, err)
	}
	n := len(cf.Servers)
	if n == 0 {
		return nil, fmt.Errorf("cluster config %s: no servers", path)
	}
	addrs := make([]string, n)
	for _, s := range cf.Servers {
		if s.ServerID < 0 || s.ServerID >= n || addrs[s.ServerID] != "" {
			return nil, fmt.Errorf("cluster config %s: server ids must be 0..%d, each once (bad id %d)", path, n-1, s.ServerID)
		}
		if s.Host == "" || s.Port <= 0 || s.Port > 65535 {
			return nil, fmt.Errorf("cluster config %s: server %d: bad host %q or port %d", path, s.ServerID, s.Host, s.Port)
		}
		addrs[s.ServerID] = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	}
	return addrs, nil
}

// WriteCluster writes a cluster config for the given "host:port" addresses,
// with a random secret, readable by its owner only (see ClusterToken).
func WriteCluster(path string, addrs []string) error {
	var secret [16]byte
	_, _ = rand.Read(secret[:]) // crypto/rand.Read never fails
	cf := ClusterFile{Secret: hex.EncodeToString(secret[:])}
	for i, a := range addrs {
		h, p, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("cluster config: %w", err)
		}
		port, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("cluster config: port of %q: %w", a, err)
		}
		cf.Servers = append(cf.Servers, ServerEntry{ServerID: i, Host: h, Port: port})
	}
	data, err := yaml.Marshal(&cf)
	if err != nil {
		return fmt.Errorf("cluster config: %w", err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("cluster config: %w", err)
	}
	return nil
}
