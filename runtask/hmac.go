package runtask

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"strings"
)

// SignatureHeader carries the hex HMAC-SHA512 of the request body.
const SignatureHeader = "X-Tfc-Task-Signature"

// Signer verifies run-task signatures. Two keys may be active at once so a key
// can be rotated without refusing requests signed with the old one.
type Signer struct {
	keys [][]byte
}

// NewSigner accepts one or two non-empty keys.
func NewSigner(keys ...string) (*Signer, error) {
	s := &Signer{}
	for _, k := range keys {
		if k == "" {
			continue
		}
		s.keys = append(s.keys, []byte(k))
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
	for _, k := range s.keys {
		mac := hmac.New(sha512.New, k)
		mac.Write(body)
		if hmac.Equal(got, mac.Sum(nil)) {
			ok = true
		}
	}
	return ok
}
