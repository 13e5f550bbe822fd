package tapestry

import (
	"context"
	"fmt"
)

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives every RPC's caller, used or not
//solution:end

// The client side of TapestryRPC: one method per RPC the reference calls,
// in Go types, with the failure naming the node that failed. (The
// reference reports dead nodes back through RootMsg.toRemove and never
// calls RemoveBadNodes, which it serves for other implementations.)

func (local *Node) helloRPC(addr string) (RemoteNode, error) {
	var node RemoteNode
	err := local.call(context.Background(), RemoteNode{Address: addr}, "HelloCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.HelloCaller(ctx, toNodeMsg(local.Node))
		if err != nil {
			return err
		}
		node, err = fromNodeMsg(rsp)
		return err
	})
	return node, err
}

func (local *Node) findRootRPC(remote RemoteNode, id ID, level int) (RemoteNode, []RemoteNode, error) {
	var root RemoteNode
	var bad []RemoteNode
	err := local.call(context.Background(), remote, "FindRootCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.FindRootCaller(ctx, &IdMsg{Id: id.String(), Level: int32(level)})
		if err != nil {
			return err
		}
		bad = fromNodeMsgs(rsp.GetToRemove())
		root, err = fromNodeMsg(rsp.GetNext())
		return err
	})
	return root, bad, err
}

func (local *Node) registerRPC(remote RemoteNode, key string) (bool, error) {
	var ok bool
	err := local.call(context.Background(), remote, "RegisterCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.RegisterCaller(ctx, &Registration{FromNode: toNodeMsg(local.Node), Key: key})
		ok = rsp.GetOk()
		return err
	})
	return ok, err
}

func (local *Node) fetchRPC(remote RemoteNode, key string) (bool, []RemoteNode, error) {
	var isRoot bool
	var values []RemoteNode
	err := local.call(context.Background(), remote, "FetchCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.FetchCaller(ctx, &Key{Key: key})
		isRoot, values = rsp.GetIsRoot(), fromNodeMsgs(rsp.GetValues())
		return err
	})
	return isRoot, values, err
}

func (local *Node) addNodeRPC(remote RemoteNode) ([]RemoteNode, error) {
	var nodes []RemoteNode
	err := local.call(context.Background(), remote, "AddNodeCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.AddNodeCaller(ctx, toNodeMsg(local.Node))
		nodes = fromNodeMsgs(rsp.GetNeighbors())
		return err
	})
	return nodes, err
}

func (local *Node) addNodeMulticastRPC(ctx context.Context, remote, newNode RemoteNode, level int) ([]RemoteNode, error) {
	var nodes []RemoteNode
	err := local.call(ctx, remote, "AddNodeMulticastCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.AddNodeMulticastCaller(ctx, &MulticastRequest{NewNode: toNodeMsg(newNode), Level: int32(level)})
		nodes = fromNodeMsgs(rsp.GetNeighbors())
		return err
	})
	return nodes, err
}

func (local *Node) transferRPC(remote RemoteNode, data map[string][]RemoteNode) error {
	msg := &TransferData{From: toNodeMsg(local.Node), Data: map[string]*Neighbors{}}
	for key, nodes := range data {
		msg.Data[key] = &Neighbors{Neighbors: toNodeMsgs(nodes)}
	}
	return local.call(context.Background(), remote, "TransferCaller", func(ctx context.Context, c TapestryRPCClient) error {
		_, err := c.TransferCaller(ctx, msg)
		return err
	})
}

func (local *Node) addBackpointerRPC(remote RemoteNode) error {
	return local.call(context.Background(), remote, "AddBackpointerCaller", func(ctx context.Context, c TapestryRPCClient) error {
		_, err := c.AddBackpointerCaller(ctx, toNodeMsg(local.Node))
		return err
	})
}

func (local *Node) removeBackpointerRPC(remote RemoteNode) error {
	return local.call(context.Background(), remote, "RemoveBackpointerCaller", func(ctx context.Context, c TapestryRPCClient) error {
		_, err := c.RemoveBackpointerCaller(ctx, toNodeMsg(local.Node))
		return err
	})
}

func (local *Node) getBackpointersRPC(remote RemoteNode, level int) ([]RemoteNode, error) {
	var nodes []RemoteNode
	err := local.call(context.Background(), remote, "GetBackpointersCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.GetBackpointersCaller(ctx, &BackpointerRequest{From: toNodeMsg(local.Node), Level: int32(level)})
		nodes = fromNodeMsgs(rsp.GetNeighbors())
		return err
	})
	return nodes, err
}

func (local *Node) notifyLeaveRPC(remote RemoteNode, replacement *RemoteNode) error {
	msg := &LeaveNotification{From: toNodeMsg(local.Node)}
	if replacement != nil {
		msg.Replacement = toNodeMsg(*replacement)
	}
	return local.call(context.Background(), remote, "NotifyLeaveCaller", func(ctx context.Context, c TapestryRPCClient) error {
		_, err := c.NotifyLeaveCaller(ctx, msg)
		return err
	})
}

func (local *Node) blobStoreFetchRPC(remote RemoteNode, key string) ([]byte, error) {
	var data []byte
	err := local.call(context.Background(), remote, "BlobStoreFetchCaller", func(ctx context.Context, c TapestryRPCClient) error {
		rsp, err := c.BlobStoreFetchCaller(ctx, &Key{Key: key})
		if err != nil {
			return err
		}
		if rsp.GetKey() != key {
			return fmt.Errorf("asked for %q, got %q", key, rsp.GetKey())
		}
		data = rsp.GetData()
		return nil
	})
	return data, err
}
