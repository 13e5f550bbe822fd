package main

import (
	"go/ast"
)

// dropTransport removes the 2015 skeleton's own transport from every
// function of the file: the net/rpc server (rpcs), the Unix-socket
// listener with its accept goroutine and simulated unreliability (labrpc
// serves and drops messages itself), and the listener's Close in Kill.
// The harness registers the services (labrpc.MakeService) instead.
func dropTransport(sf *srcFile, rep *report) {
	for _, decl := range sf.f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		d := &dropper{sf: sf, rep: rep, fn: fd.Name.Name, listenVars: map[string]bool{}}
		d.block(fd.Body.List)
	}
	dropListenerField(sf, rep)
}

// dropper walks one function's statements.
type dropper struct {
	sf         *srcFile
	rep        *report
	fn         string
	listenVars map[string]bool // results of net.Listen: "l", "e"
}

func (d *dropper) block(list []ast.Stmt) {
	for _, s := range list {
		if why := d.dropReason(s); why != "" {
			d.sf.remove(s)
			d.rep.note("%s: %s: dropped %s", d.sf.line(s.Pos()), d.fn, why)
			continue
		}
		d.nested(s)
	}
}

// nested walks the blocks of a statement that stays, function literals
// included (a goroutine that closes the listener).
func (d *dropper) nested(s ast.Stmt) {
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockStmt:
			d.block(n.List)
			return false
		case *ast.CaseClause:
			d.block(n.Body)
			return false
		case *ast.CommClause:
			d.block(n.Body)
			return false
		}
		return true
	})
}

func (d *dropper) dropReason(s ast.Stmt) string {
	switch {
	case callsAny(s, func(c *ast.CallExpr) bool { return isPkgCall(c, "net", "Listen") }):
		if as, ok := s.(*ast.AssignStmt); ok {
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					d.listenVars[id.Name] = true
				}
			}
		}
		return "the Unix-socket listener"
	case callsAny(s, isAccept):
		return "the accept loop (labrpc serves the RPCs and simulates the unreliable network)"
	case (d.fn == "Make" || d.fn == "StartServer") && callsAny(s, func(c *ast.CallExpr) bool { return isPkgCall(c, "os", "Remove") }):
		return "the removal of the old socket file"
	case mentionsRPCServer(s):
		return "the net/rpc server (the harness registers the services)"
	case assignsListener(s):
		return "the listener field's assignment"
	case isListenerClose(s):
		return "the listener's Close"
	}
	if is, ok := s.(*ast.IfStmt); ok {
		for v := range d.listenVars {
			if mentionsIdent(is.Cond, v) {
				return "the listener's error check"
			}
		}
		if mentionsListener(is.Cond) {
			return "the listener's Close"
		}
	}
	return ""
}

func callsAny(n ast.Node, pred func(*ast.CallExpr) bool) bool {
	found := false
	walkCalls(n, func(c *ast.CallExpr) {
		if pred(c) {
			found = true
		}
	})
	return found
}

// isListenerSel matches x.l, the 2015 skeleton's listener field.
func isListenerSel(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "l"
}

func isAccept(c *ast.CallExpr) bool {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Accept" && len(c.Args) == 0 && isListenerSel(sel.X)
}

func mentionsIdent(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

func mentionsListener(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && isListenerSel(e) {
			found = true
		}
		return !found
	})
	return found
}

func assignsListener(s ast.Stmt) bool {
	as, ok := s.(*ast.AssignStmt)
	if !ok {
		return false
	}
	for _, l := range as.Lhs {
		if isListenerSel(l) {
			return true
		}
	}
	return false
}

func isListenerClose(s ast.Stmt) bool {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return false
	}
	c, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Close" && isListenerSel(sel.X)
}

// dropListenerField removes the `l net.Listener` field from the file's
// struct types.
func dropListenerField(sf *srcFile, rep *report) {
	ast.Inspect(sf.f, func(n ast.Node) bool {
		st, ok := n.(*ast.StructType)
		if !ok {
			return true
		}
		for _, field := range st.Fields.List {
			sel, ok := field.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Listener" {
				continue
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "net" {
				continue
			}
			if len(field.Names) != 1 {
				rep.byHand("%s: a net.Listener field declared with other names: delete the listener's name from it", sf.line(field.Pos()))
				continue
			}
			sf.remove(field)
			rep.note("%s: dropped the field %s net.Listener", sf.line(field.Pos()), field.Names[0].Name)
		}
		return true
	})
}

// dropRPCArg rewrites paxos.Make(peers, me, rpcs) to paxos.Make(peers, me):
// the kit's Paxos takes no net/rpc server.
func dropRPCArg(sf *srcFile, rep *report) {
	walkCalls(sf.f, func(c *ast.CallExpr) {
		if !isPkgCall(c, "paxos", "Make") || len(c.Args) != 3 {
			return
		}
		sf.edits = append(sf.edits, edit{sf.off(c.Args[1].End()), sf.off(c.Args[2].End()), ""})
		rep.note("%s: paxos.Make without its net/rpc server", sf.line(c.Pos()))
	})
}

// mentionsRPCServer reports whether s uses the net/rpc server rpcs,
// other than as the argument of paxos.Make that dropRPCArg removes.
func mentionsRPCServer(s ast.Stmt) bool {
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && isPkgCall(c, "paxos", "Make") && len(c.Args) == 3 {
			for _, a := range c.Args[:2] {
				found = found || mentionsIdent(a, "rpcs")
			}
			return false
		}
		if id, ok := n.(*ast.Ident); ok && id.Name == "rpcs" {
			found = true
		}
		return !found
	})
	return found
}
