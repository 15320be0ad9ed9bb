// Package config loads opendray's configuration: a TOML file, then
// OPENDRAY_* environment variables, which win over the file.
//
// Every key is declared once in the schema (schema.go) with its environment
// variable, its type and how it is stored. The loader rejects unknown keys,
// values of the wrong type and values out of range, with an error that names
// the key (or the variable) and the form it expects. Subsystems receive
// plain values from Config; no other package decodes TOML.
package config
