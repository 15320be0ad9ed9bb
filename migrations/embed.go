// Package migrations embeds the SQL migrations of opendray's schema.
//
// Files are named NNNN_name.sql and applied in lexical order by the runner in
// package store, each in its own transaction. There are no down-migrations:
// a rollback is manual SQL. This package exists because go:embed cannot
// reach files in a parent folder.
package migrations

import "embed"

// Files holds every *.sql migration at the root of the embedded filesystem.
//
//go:embed *.sql
var Files embed.FS
