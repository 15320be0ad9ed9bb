package session

import (
	"bytes"
	"os"
	"strconv"
)

// sessionMembers lists the pids whose session id is sid, read from
// /proc/PID/stat. Errors are ignored: a process may exit while the list is
// read.
func sessionMembers(sid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + entry.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name in parentheses may contain spaces, so the
		// fields are counted from the last closing parenthesis: state,
		// ppid, pgrp, session.
		end := bytes.LastIndexByte(stat, ')')
		if end < 0 {
			continue
		}
		fields := bytes.Fields(stat[end+1:])
		if len(fields) < 4 {
			continue
		}
		if session, err := strconv.Atoi(string(fields[3])); err == nil && session == sid {
			pids = append(pids, pid)
		}
	}
	return pids
}
