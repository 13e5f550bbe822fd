package distsort

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// ServerEntry is one server of a cluster config file.
type ServerEntry struct {
	ServerID int    `yaml:"serverId"`
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
}

// ClusterFile is the YAML cluster config the CLI reads:
//
//	servers:
//	  - {serverId: 0, host: 127.0.0.1, port: 9000}
//	  - {serverId: 1, host: 127.0.0.1, port: 9001}
type ClusterFile struct {
	Servers []ServerEntry `yaml:"servers"`
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

// WriteCluster writes a cluster config for the given "host:port" addresses.
func WriteCluster(path string, addrs []string) error {
	var cf ClusterFile
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
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("cluster config: %w", err)
	}
	return nil
}
