// Package ptybench contains the benchmark workloads and their raw-PTY
// baselines, shared by the in-process benchmarks of gateway/terminal and
// the cmd/opendray-bench driver: a generator of terminal-like text, a
// plain Go reader of a PTY running cat, a raw-mode echo over a bare PTY,
// and percentiles.
package ptybench
