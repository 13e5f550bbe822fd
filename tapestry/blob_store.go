package tapestry

import "sync"

// BlobStore holds the objects this node stores, each with the channel that
// stops its republishing when the object is removed.
type BlobStore struct {
	mu    sync.Mutex
	blobs map[string]blob
}

type blob struct {
	value  []byte
	cancel chan bool
}

// NewBlobStore returns an empty store.
func NewBlobStore() *BlobStore {
	return &BlobStore{blobs: map[string]blob{}}
}

// Get returns the value stored under key.
func (s *BlobStore) Get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[key]
	return b.value, ok
}

// Put stores value under key with the cancel channel of its publishing,
// cancelling the publishing of the value it replaces.
func (s *BlobStore) Put(key string, value []byte, cancel chan bool) {
	s.mu.Lock()
	old, had := s.blobs[key]
	s.blobs[key] = blob{value: value, cancel: cancel}
	s.mu.Unlock()
	if had {
		close(old.cancel)
	}
}

// Delete removes key and stops its publishing; it reports whether the key
// was there.
func (s *BlobStore) Delete(key string) bool {
	s.mu.Lock()
	b, had := s.blobs[key]
	delete(s.blobs, key)
	s.mu.Unlock()
	if had {
		close(b.cancel)
	}
	return had
}

// DeleteAll removes every key and stops all publishing.
func (s *BlobStore) DeleteAll() {
	s.mu.Lock()
	blobs := s.blobs
	s.blobs = map[string]blob{}
	s.mu.Unlock()
	for _, b := range blobs {
		close(b.cancel)
	}
}
