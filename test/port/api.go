package main

import (
	"fmt"
	"go/ast"
	"slices"
	"strings"
)

// endsType is what a 2015 server address becomes where the kit's API
// hands out ends instead of socket paths.
const endsType = "[]*labrpc.ClientEnd"

// makeEndParam is the parameter the kit's constructors add where servers
// are named by strings (pbkv, the 2015 shardkv's groups).
const makeEndParam = "makeEnd func(string) *labrpc.ClientEnd"

// sigChange is how one constructor's parameters change.
type sigChange struct {
	toEnds     []int  // parameters ([]string addresses) that become ends
	drop       []int  // parameters the kit's API does not have
	addMakeEnd bool   // append makeEnd
	initEnds   string // the type whose ends field the constructor sets
}

// apiSpec is what the kit's API changes, per 2015 package: the READMEs'
// porting steps, as data.
type apiSpec struct {
	skipFiles map[string]string    // files not ported, and why
	endFields map[string][]string  // struct type: []string address fields that become ends
	sigs      map[string]sigChange // constructor: its change
	callEnds  bool                 // call(srv string, ...) takes a *labrpc.ClientEnd
	viaEnds   []string             // types given an ends field; call sites in their methods pass it
	clerkStop bool                 // the Clerk gets stopped/shutdown and its retry loops end
	killType  string               // type whose kill becomes Kill
	accessor  bool                 // add ShardMaster.Paxos()
	vsClerk   bool                 // viewservice.MakeClerk gets makeEnd
}

var specs2015 = map[string]apiSpec{
	"viewservice": {
		skipFiles: map[string]string{"client.go": "the kit's client.go is kept (the 2015 Clerk dialled a socket; ours is the same Clerk on labrpc); port any change the student made to it by hand"},
	},
	"paxos": {
		endFields: map[string][]string{"Paxos": {"peers"}},
		sigs:      map[string]sigChange{"Make": {toEnds: []int{0}, drop: []int{2}}},
		callEnds:  true,
	},
	"kvpaxos": {
		endFields: map[string][]string{"Clerk": {"servers"}, "KVPaxos": {"servers", "peers"}},
		sigs: map[string]sigChange{
			"StartServer": {toEnds: []int{0}},
			"MakeClerk":   {toEnds: []int{0}},
		},
		callEnds: true,
	},
	"shardmaster": {
		endFields: map[string][]string{"Clerk": {"servers"}, "ShardMaster": {"servers", "peers"}},
		sigs: map[string]sigChange{
			"StartServer": {toEnds: []int{0}},
			"MakeClerk":   {toEnds: []int{0}},
		},
		callEnds: true,
		accessor: true,
	},
	"shardkv": {
		sigs: map[string]sigChange{
			"StartServer": {toEnds: []int{1, 2}, addMakeEnd: true, initEnds: "ShardKV"},
			"MakeClerk":   {toEnds: []int{0}, addMakeEnd: true, initEnds: "Clerk"},
		},
		viaEnds: []string{"ShardKV", "Clerk"},
	},
	"pbservice": {
		sigs: map[string]sigChange{
			"StartServer": {addMakeEnd: true, initEnds: "PBServer"},
			"MakeClerk":   {drop: []int{1}, addMakeEnd: true, initEnds: "Clerk"},
		},
		viaEnds:   []string{"PBServer", "Clerk"},
		clerkStop: true,
		killType:  "PBServer",
		vsClerk:   true,
	},
}

// param is one flattened parameter.
type param struct{ name, typ string }

func flatParams(sf *srcFile, ft *ast.FuncType) []param {
	var ps []param
	for _, f := range ft.Params.List {
		t := sf.text(f.Type)
		if len(f.Names) == 0 {
			ps = append(ps, param{"_", t})
		}
		for _, n := range f.Names {
			ps = append(ps, param{n.Name, t})
		}
	}
	return ps
}

func joinParams(ps []param) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.name+" "+p.typ)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// replaceParams rewrites a function's parameter list.
func replaceParams(sf *srcFile, ft *ast.FuncType, ps []param) {
	sf.edits = append(sf.edits, edit{sf.off(ft.Params.Opening), sf.off(ft.Params.Closing) + 1, joinParams(ps)})
}

// rewriteAPI applies spec to one file of p.
func rewriteAPI(p *pkg, sf *srcFile, spec apiSpec, rep *report) {
	rewriteEndFields(sf, spec, rep)
	for _, decl := range sf.f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok {
			continue
		}
		if fd.Recv == nil {
			if ch, ok := spec.sigs[fd.Name.Name]; ok {
				rewriteSig(sf, fd, ch, rep)
			}
			if fd.Name.Name == "call" && fd.Body != nil && (spec.callEnds || len(spec.viaEnds) > 0) {
				rewriteCall(sf, fd, spec, rep)
			}
		}
		if fd.Body == nil {
			continue
		}
		if len(spec.viaEnds) > 0 {
			passEnds(sf, fd, spec, rep)
		}
		if spec.vsClerk {
			vsClerkMakeEnd(sf, fd, rep)
		}
		if spec.clerkStop && recvType(fd) == "Clerk" {
			stopClerkLoops(sf, fd, rep)
		}
		if spec.killType != "" && recvType(fd) == spec.killType && fd.Name.Name == "kill" && !p.methods[spec.killType]["Kill"] {
			sf.replace(fd.Name, "Kill")
			rep.note("%s: %s.kill is Kill (the harness calls Kill)", sf.line(fd.Pos()), spec.killType)
		}
	}
	if spec.killType != "" && p.methods[spec.killType]["kill"] && !p.methods[spec.killType]["Kill"] {
		ast.Inspect(sf.f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "kill" {
				sf.replace(sel.Sel, "Kill")
			}
			return true
		})
	}
	for _, typ := range spec.viaEnds {
		addField(sf, typ, "ends *ends // one labrpc end per server name (added by test/port)", rep)
	}
	if spec.clerkStop {
		addField(sf, "Clerk", "stopped atomic.Bool // set by shutdown: the harness ends a Clerk that retries forever (added by test/port)", rep)
	}
}

// rewriteEndFields turns the address fields of spec.endFields into ends.
func rewriteEndFields(sf *srcFile, spec apiSpec, rep *report) {
	forStructs(sf, func(name string, st *ast.StructType) {
		fields := spec.endFields[name]
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if !slices.Contains(fields, n.Name) {
					continue
				}
				if sf.text(f.Type) != "[]string" {
					rep.byHand("%s: %s.%s is %s, not []string: make it %s", sf.line(f.Pos()), name, n.Name, sf.text(f.Type), endsType)
					continue
				}
				if len(f.Names) != 1 {
					rep.byHand("%s: %s.%s shares its declaration: give it a line of its own of type %s", sf.line(f.Pos()), name, n.Name, endsType)
					continue
				}
				sf.replace(f.Type, endsType)
				rep.note("%s: %s.%s holds ends, not socket paths", sf.line(f.Pos()), name, n.Name)
			}
		}
	})
}

func forStructs(sf *srcFile, fn func(string, *ast.StructType)) {
	for _, decl := range sf.f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			if ts, ok := s.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					fn(ts.Name.Name, st)
				}
			}
		}
	}
}

// addField appends a field to struct typ, if this file declares it.
func addField(sf *srcFile, typ, field string, rep *report) {
	forStructs(sf, func(name string, st *ast.StructType) {
		if name == typ {
			sf.insert(st.Fields.Closing, field+"\n")
			rep.note("%s: %s gets the field %s", sf.line(st.Pos()), typ, strings.SplitN(field, " //", 2)[0])
		}
	})
}

// rewriteSig changes a constructor's parameters (and, for pbservice's
// MakeClerk, keeps the dropped name me defined for the body).
func rewriteSig(sf *srcFile, fd *ast.FuncDecl, ch sigChange, rep *report) {
	ps := flatParams(sf, fd.Type)
	var out []param
	for i, p := range ps {
		if slices.Contains(ch.drop, i) {
			if p.name != "_" && p.name != "rpcs" && fd.Body != nil && mentionsIdent(fd.Body, p.name) {
				// 2015's MakeClerk(vshost, me): me named the Clerk's
				// socket, which labrpc does not need
				sf.insert(fd.Body.Lbrace+1, fmt.Sprintf("\n%s := \"\" // was a parameter: a socket name, which labrpc does not need (test/port)\n", p.name))
			}
			continue
		}
		if slices.Contains(ch.toEnds, i) {
			if p.typ != "[]string" {
				rep.byHand("%s: %s: parameter %s is %s, not []string: make it %s", sf.line(fd.Pos()), fd.Name.Name, p.name, p.typ, endsType)
			} else {
				p.typ = endsType
			}
		}
		out = append(out, p)
	}
	if ch.addMakeEnd {
		out = append(out, param{"makeEnd", strings.TrimPrefix(makeEndParam, "makeEnd ")})
	}
	replaceParams(sf, fd.Type, out)
	rep.note("%s: %s%s", sf.line(fd.Pos()), fd.Name.Name, joinParams(out))
	if ch.initEnds == "" || fd.Body == nil {
		return
	}
	for _, s := range fd.Body.List {
		if v := newOf(s, ch.initEnds); v != "" {
			sf.insert(s.End(), fmt.Sprintf("\n%s.ends = newEnds(makeEnd)", v))
			return
		}
	}
	rep.byHand("%s: %s: no `x := new(%s)` or `x := &%s{...}` found: add `x.ends = newEnds(makeEnd)` after the %s is made", sf.line(fd.Pos()), fd.Name.Name, ch.initEnds, ch.initEnds, ch.initEnds)
}

// newOf returns v if s is `v := new(T)` or `v := &T{...}` (or `=`).
func newOf(s ast.Stmt, typ string) string {
	as, ok := s.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return ""
	}
	v, ok := as.Lhs[0].(*ast.Ident)
	if !ok {
		return ""
	}
	switch r := as.Rhs[0].(type) {
	case *ast.CallExpr:
		if fn, ok := r.Fun.(*ast.Ident); ok && fn.Name == "new" && len(r.Args) == 1 {
			if t, ok := r.Args[0].(*ast.Ident); ok && t.Name == typ {
				return v.Name
			}
		}
	case *ast.UnaryExpr:
		if cl, ok := r.X.(*ast.CompositeLit); ok {
			if t, ok := cl.Type.(*ast.Ident); ok && t.Name == typ {
				return v.Name
			}
		}
	}
	return ""
}

// rewriteCall replaces the 2015 call(srv string, ...), which dialled a
// Unix socket per RPC, by one on labrpc: on an end (paxos, kvpaxos,
// shardmaster) or on a name through the ends of its caller (pbservice,
// shardkv, whose servers are named by strings in views and configs).
func rewriteCall(sf *srcFile, fd *ast.FuncDecl, spec apiSpec, rep *report) {
	ps := flatParams(sf, fd.Type)
	res := fd.Type.Results
	if len(ps) != 4 || ps[0].typ != "string" || res == nil || len(res.List) != 1 || sf.text(res.List[0].Type) != "bool" {
		rep.byHand("%s: call is not the 2015 call(srv string, name string, args, reply interface{}) bool: make it send through labrpc (%s)", sf.line(fd.Pos()), "srv.Call(name, args, reply)")
		return
	}
	srv, name, args, reply := ps[0].name, ps[1].name, ps[2].name, ps[3].name
	var sig, body string
	if spec.callEnds {
		ps[0].typ = "*labrpc.ClientEnd"
		sig = joinParams(ps)
		body = fmt.Sprintf("return %s.Call(%s, %s, %s)", srv, name, args, reply)
	} else {
		sig = joinParams(append([]param{{"e", "*ends"}}, ps...))
		body = fmt.Sprintf("return e.call(%s, %s, %s, %s)", srv, name, args, reply)
	}
	sf.edits = append(sf.edits, edit{sf.off(fd.Type.Params.Opening), sf.off(fd.Body.End()),
		fmt.Sprintf("%s bool {\n\t// labrpc in place of the 2015 Unix-socket dial (test/port)\n\t%s\n}", sig, body)})
	rep.note("%s: call%s sends through labrpc", sf.line(fd.Pos()), sig)
}

// passEnds adds the caller's ends to every call of the package's call in
// fd: `call(srv, ...)` becomes `call(pb.ends, srv, ...)`.
func passEnds(sf *srcFile, fd *ast.FuncDecl, spec apiSpec, rep *report) {
	walkCalls(fd.Body, func(c *ast.CallExpr) {
		id, ok := c.Fun.(*ast.Ident)
		if !ok || id.Name != "call" || (id.Obj != nil && id.Obj.Kind != ast.Fun) {
			return
		}
		recv, typ := recvName(fd), recvType(fd)
		if recv == "" || recv == "_" || !slices.Contains(spec.viaEnds, typ) {
			rep.byHand("%s: call outside a method of %s: pass an *ends as its first argument (newEnds(makeEnd) in the constructor)", sf.line(c.Pos()), strings.Join(spec.viaEnds, " or "))
			return
		}
		sf.insert(c.Lparen+1, recv+".ends, ")
	})
}

// vsClerkMakeEnd: viewservice.MakeClerk(me, vshost) gets makeEnd, which
// the constructors that call it now take.
func vsClerkMakeEnd(sf *srcFile, fd *ast.FuncDecl, rep *report) {
	walkCalls(fd.Body, func(c *ast.CallExpr) {
		if !isPkgCall(c, "viewservice", "MakeClerk") || len(c.Args) != 2 {
			return
		}
		if fd.Recv != nil || (fd.Name.Name != "StartServer" && fd.Name.Name != "MakeClerk") {
			rep.byHand("%s: viewservice.MakeClerk outside StartServer and MakeClerk: pass the constructor's makeEnd as its third argument", sf.line(c.Pos()))
			return
		}
		sf.insert(c.Rparen, ", makeEnd")
	})
}

// stopClerkLoops makes each endless loop of a Clerk method end once the
// harness calls shutdown; a method that ended in such a loop gets a
// return of zero values after it.
func stopClerkLoops(sf *srcFile, fd *ast.FuncDecl, rep *report) {
	ck := recvName(fd)
	if ck == "" || ck == "_" {
		rep.byHand("%s: Clerk method %s has no receiver name: end its retry loops with `for !ck.stopped.Load()`", sf.line(fd.Pos()), fd.Name.Name)
		return
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		f, ok := n.(*ast.ForStmt)
		if !ok || f.Init != nil || f.Cond != nil || f.Post != nil {
			return true
		}
		sf.edits = append(sf.edits, edit{sf.off(f.Pos()), sf.off(f.Body.Lbrace), fmt.Sprintf("for !%s.stopped.Load() ", ck)})
		rep.note("%s: Clerk.%s: the loop ends after shutdown", sf.line(f.Pos()), fd.Name.Name)
		return true
	})
	list := fd.Body.List
	if fd.Type.Results == nil || len(list) == 0 {
		return
	}
	if f, ok := list[len(list)-1].(*ast.ForStmt); !ok || f.Cond != nil || f.Init != nil || f.Post != nil {
		return
	}
	var zeros []string
	for _, r := range fd.Type.Results.List {
		n := max(1, len(r.Names))
		for range n {
			zeros = append(zeros, "*new("+sf.text(r.Type)+")")
		}
	}
	sf.insert(fd.Body.Rbrace, "return "+strings.Join(zeros, ", ")+" // after shutdown (test/port)\n")
}
