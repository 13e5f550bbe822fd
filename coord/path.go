package coord

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives path helpers your server may use
//solution:end

import "strings"

// validPath reports whether p is an absolute path the service accepts:
// "/" or "/a/b" with no empty, "." or ".." component.
func validPath(p string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, c := range strings.Split(p[1:], "/") {
		if c == "" || c == "." || c == ".." || strings.ContainsRune(c, 0) {
			return false
		}
	}
	return true
}

// splitPath returns the parent of a valid path other than "/" and its
// last component.
func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// join returns the path of child name under parent.
func join(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}
