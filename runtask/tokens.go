package runtask

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// API tokens let scripts and dashboards read the history, the scorecard and
// the API, and let a person sign in where there is no single sign-on. A
// token is "pgt_" + a public id + "_" + 32 random bytes (base64url); only
// its SHA-256 is kept, beside the id it is looked up by, so a copy of the
// database gives no token. The secret part is random, not a password: a
// fast hash is the right one.
const tokenPrefix = "pgt_"

var tokenSchema = []string{
	`CREATE TABLE IF NOT EXISTS prodgate_api_token (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	token_sha256 TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL DEFAULT 0,
	revoked_at BIGINT NOT NULL DEFAULT 0
)`,
}

// TokenInfo describes an API token; it never holds the token.
type TokenInfo struct {
	ID, Name   string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: active
}

// tokenStore keeps API tokens in the service's database.
type tokenStore struct {
	db      *sql.DB
	dialect dialect
}

func (s tokenStore) rebind(q string) string { return rebind(s.dialect, q) }

func (s tokenStore) migrate(ctx context.Context) error {
	for _, stmt := range tokenSchema {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create API token table: %w", err)
		}
	}
	return nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// create makes a token named name and returns it, the only time it is seen.
func (s tokenStore) create(ctx context.Context, name string, now time.Time) (string, TokenInfo, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", TokenInfo{}, errors.New("a token needs a name that says who or what uses it")
	}
	id := make([]byte, 6)
	secret := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return "", TokenInfo{}, fmt.Errorf("create token: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return "", TokenInfo{}, fmt.Errorf("create token: %w", err)
	}
	info := TokenInfo{ID: hex.EncodeToString(id), Name: name, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	token := tokenPrefix + info.ID + "_" + base64.RawURLEncoding.EncodeToString(secret)
	if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO prodgate_api_token (id, name, token_sha256, created_at) VALUES (?, ?, ?, ?)`),
		info.ID, info.Name, hashToken(token), info.CreatedAt.UnixMilli()); err != nil {
		return "", TokenInfo{}, fmt.Errorf("create token: %w", err)
	}
	return token, info, nil
}

func (s tokenStore) list(ctx context.Context) ([]TokenInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM prodgate_api_token ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []TokenInfo
	for rows.Next() {
		var t TokenInfo
		var created, used, revoked int64
		if err := rows.Scan(&t.ID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMillis(created), fromMillis(used), fromMillis(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

var errNoSuchToken = errors.New("no such token")

// revoke ends a token by id (or by the whole token); a revoked token stays
// listed, so who had access stays on record.
func (s tokenStore) revoke(ctx context.Context, id string, now time.Time) error {
	if strings.HasPrefix(id, tokenPrefix) {
		id, _, _ = strings.Cut(strings.TrimPrefix(id, tokenPrefix), "_")
	}
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_api_token SET revoked_at = ? WHERE id = ? AND revoked_at = 0`), now.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke token %s: %w (or it is revoked already; `prodgate token list` shows them)", id, errNoSuchToken)
	}
	return nil
}

// tokenTouchEvery is how stale last_used_at may get: a write on every
// request would make each API call wait for the embedded database's one
// writer.
const tokenTouchEvery = time.Minute

// check finds the active token token is; ok is false for anything else.
func (s tokenStore) check(ctx context.Context, token string, now time.Time) (TokenInfo, bool, error) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	id, _, _ := strings.Cut(rest, "_")
	if !found || id == "" {
		return TokenInfo{}, false, nil
	}
	var info TokenInfo
	var hash string
	var created, used, revoked int64
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT id, name, token_sha256, created_at, last_used_at, revoked_at FROM prodgate_api_token WHERE id = ?`), id).
		Scan(&info.ID, &info.Name, &hash, &created, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return TokenInfo{}, false, nil
	}
	if err != nil {
		return TokenInfo{}, false, fmt.Errorf("check token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(hashToken(token))) != 1 || revoked != 0 {
		return TokenInfo{}, false, nil
	}
	info.CreatedAt, info.LastUsedAt = fromMillis(created), fromMillis(used)
	if now.Sub(info.LastUsedAt) > tokenTouchEvery {
		if _, err := s.db.ExecContext(ctx, s.rebind(`UPDATE prodgate_api_token SET last_used_at = ? WHERE id = ?`), now.UnixMilli(), id); err != nil {
			return TokenInfo{}, false, fmt.Errorf("record token use: %w", err)
		}
	}
	return info, true, nil
}

// openTokenStore opens the token table of the database at url without the
// job queue and without the embedded default's process lock, so `prodgate
// token` works while `prodgate serve` runs on the same SQLite file: it
// writes one row, and SQLite's own locking (busy_timeout) orders it with the
// service's writes.
func openTokenStore(ctx context.Context, url string) (tokenStore, func(), error) {
	var db *sql.DB
	d := dialectSQLite
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		var err error
		// "pgx" is registered by pgx's stdlib package (see database.go).
		if db, err = sql.Open("pgx", url); err != nil {
			return tokenStore{}, nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		d = dialectPostgres
	} else {
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "file:")
		if path == "" {
			path = "prodgate.db"
		}
		if err := restrictDatabaseFiles(path); err != nil {
			return tokenStore{}, nil, err
		}
		connector, err := sqlite.NewConnector(sqliteDSN(path))
		if err != nil {
			return tokenStore{}, nil, fmt.Errorf("open SQLite database %s: %w", path, err)
		}
		db = sql.OpenDB(connector)
		db.SetMaxOpenConns(1)
	}
	st := tokenStore{db: db, dialect: d}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return tokenStore{}, nil, fmt.Errorf("connect to the database: %w", err)
	}
	if err := st.migrate(ctx); err != nil {
		db.Close()
		return tokenStore{}, nil, err
	}
	return st, func() { db.Close() }, nil
}

// CreateToken makes an API token in the database at databaseURL (as
// `prodgate serve --database-url` names it) and returns it: shown once,
// kept only as a hash.
func CreateToken(ctx context.Context, databaseURL, name string) (string, TokenInfo, error) {
	st, closeFn, err := openTokenStore(ctx, databaseURL)
	if err != nil {
		return "", TokenInfo{}, err
	}
	defer closeFn()
	return st.create(ctx, name, time.Now())
}

// ListTokens lists the API tokens, revoked ones included.
func ListTokens(ctx context.Context, databaseURL string) ([]TokenInfo, error) {
	st, closeFn, err := openTokenStore(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	return st.list(ctx)
}

// RevokeToken ends the API token with this id (or the token itself).
func RevokeToken(ctx context.Context, databaseURL, id string) error {
	st, closeFn, err := openTokenStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer closeFn()
	return st.revoke(ctx, id, time.Now())
}
