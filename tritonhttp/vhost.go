package tritonhttp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// VirtualHost is one entry of virtual_hosts.yaml.
type VirtualHost struct {
	// HostName is matched, case-insensitively, against the Host header with
	// its port stripped.
	HostName string `yaml:"hostName"`
	// DocRoot is the directory served for HostName; a relative path is
	// relative to the docroot base directory (the -docroot flag).
	DocRoot string `yaml:"docRoot"`
}

// vhostFile is the layout of virtual_hosts.yaml:
//
//	virtual_hosts:
//	  - hostName: website1
//	    docRoot: website1
type vhostFile struct {
	VirtualHosts []VirtualHost `yaml:"virtual_hosts"`
}

// LoadVirtualHosts reads a virtual_hosts.yaml file and returns the map from
// lower-case host name to docroot directory that Config.VirtualHosts expects.
// Relative docRoot entries are resolved against base.
func LoadVirtualHosts(path, base string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tritonhttp: reading virtual hosts: %w", err)
	}
	hosts, err := ParseVirtualHosts(data, base)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return hosts, nil
}

// ParseVirtualHosts parses the contents of a virtual_hosts.yaml file; see
// LoadVirtualHosts. Unknown keys, empty entries and duplicate host names are
// errors, since each of them is almost certainly a typo in the file.
func ParseVirtualHosts(data []byte, base string) (map[string]string, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f vhostFile
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("tritonhttp: parsing virtual hosts: %w", err)
	}
	if len(f.VirtualHosts) == 0 {
		return nil, errors.New("tritonhttp: no virtual_hosts entries")
	}
	hosts := make(map[string]string, len(f.VirtualHosts))
	for i, vh := range f.VirtualHosts {
		name := strings.ToLower(strings.TrimSpace(vh.HostName))
		if name == "" || vh.DocRoot == "" {
			return nil, fmt.Errorf("tritonhttp: virtual host #%d: hostName and docRoot are required", i+1)
		}
		if _, dup := hosts[name]; dup {
			return nil, fmt.Errorf("tritonhttp: virtual host %q listed twice", name)
		}
		dir := vh.DocRoot
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		hosts[name] = dir
	}
	return hosts, nil
}
