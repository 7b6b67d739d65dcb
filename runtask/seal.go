package runtask

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
)

// secrets derives the keys the service uses from its HMAC keys, so operators
// manage one secret: sealing run-task requests at rest (the payload carries
// the run's access token, which must never sit in the database in clear) and
// signing results-page links.
type secrets struct {
	seal    [][]byte // first seals; all open (key rotation)
	results []byte
	// sessions seals sign-in cookies (see auth.go).
	sessions []byte
	// sealers reuses AES-GCM instances of the first key (their key schedule
	// is set up once); the package does not promise one is safe to share.
	sealers sync.Pool
}

func newSecrets(hmacKeys []string) *secrets {
	s := &secrets{}
	if len(hmacKeys) == 0 {
		// A fixed key would let anyone forge a sign-in: without an HMAC
		// key, sessions last as long as the process.
		s.sessions = make([]byte, 32)
		_, _ = rand.Read(s.sessions)
		// --insecure-no-hmac: there is no secret to derive from. Jobs are still
		// sealed, but with a fixed key; the operator was warned at start.
		hmacKeys = []string{"prodgate-insecure-no-hmac"}
	}
	for _, k := range hmacKeys {
		s.seal = append(s.seal, derive(k, "prodgate job sealing v1"))
	}
	s.results = derive(hmacKeys[0], "prodgate results links v1")
	if s.sessions == nil {
		s.sessions = derive(hmacKeys[0], "prodgate sessions v1")
	}
	s.sealers.New = func() any {
		gcm, err := newGCM(s.seal[0])
		if err != nil {
			return err
		}
		return gcm
	}
	return s
}

func derive(key, purpose string) []byte {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// sealBytes encrypts and authenticates plaintext with AES-256-GCM: the
// nonce, then the ciphertext.
func (s *secrets) sealBytes(plaintext []byte) ([]byte, error) {
	pooled := s.sealers.Get()
	gcm, ok := pooled.(cipher.AEAD)
	if !ok {
		return nil, pooled.(error)
	}
	defer s.sealers.Put(gcm)
	out := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return gcm.Seal(out, out, plaintext, nil), nil
}

// open decrypts a sealed value with any active key.
func (s *secrets) open(data []byte) ([]byte, error) {
	for _, key := range s.seal {
		gcm, err := newGCM(key)
		if err != nil {
			return nil, err
		}
		if len(data) < gcm.NonceSize() {
			break
		}
		if plain, err := gcm.Open(nil, data[:gcm.NonceSize()], data[gcm.NonceSize():], nil); err == nil {
			return plain, nil
		}
	}
	return nil, errors.New("open sealed request: no active HMAC key opens it (was the key rotated out while the job waited?)")
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// linkSignature signs a results-page link so that only someone given the link
// (HCP Terraform's run page) can read the results.
func (s *secrets) linkSignature(taskResultID string) string {
	mac := hmac.New(sha256.New, s.results)
	mac.Write([]byte(taskResultID))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

func (s *secrets) validLink(taskResultID, sig string) bool {
	return hmac.Equal([]byte(s.linkSignature(taskResultID)), []byte(sig))
}
