package runtask

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"sync"
)

// SignatureHeader carries the hex HMAC-SHA512 of the request body.
const SignatureHeader = "X-Tfc-Task-Signature"

// Signer verifies run-task signatures. Two keys may be active at once so a key
// can be rotated without refusing requests signed with the old one.
type Signer struct {
	keys [][]byte
	// macs keeps keyed HMAC states per key for reuse: setting one up
	// hashes the key's pads, a third of the work for a typical request.
	macs []*sync.Pool
}

// NewSigner accepts one or two non-empty keys.
func NewSigner(keys ...string) (*Signer, error) {
	s := &Signer{}
	for _, k := range keys {
		if k == "" {
			continue
		}
		key := []byte(k)
		s.keys = append(s.keys, key)
		s.macs = append(s.macs, &sync.Pool{New: func() any { return hmac.New(sha512.New, key) }})
	}
	if len(s.keys) == 0 {
		return nil, errors.New("no HMAC key")
	}
	if len(s.keys) > 2 {
		return nil, errors.New("at most two HMAC keys (current and previous) may be active")
	}
	return s, nil
}

// Sign returns the lowercase hex HMAC-SHA512 of body with the first key, as
// HCP Terraform computes it.
func (s *Signer) Sign(body []byte) string { return Sign(s.keys[0], body) }

// Sign computes the signature of body with key.
func Sign(key, body []byte) string {
	mac := hmac.New(sha512.New, key)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks signature (hex, any case) against body with every active key,
// in constant time per key.
func (s *Signer) Verify(body []byte, signature string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha512.Size {
		return false
	}
	ok := false
	var sum [sha512.Size]byte
	for _, macs := range s.macs {
		mac := macs.Get().(hash.Hash)
		mac.Reset()
		mac.Write(body)
		if hmac.Equal(got, mac.Sum(sum[:0])) {
			ok = true
		}
		macs.Put(mac)
	}
	return ok
}
