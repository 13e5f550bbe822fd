package memset

// Memset sets every byte of data to v.
func Memset(data []byte, v byte) {
	for i := range data {
		data[i] = v
	}
}
