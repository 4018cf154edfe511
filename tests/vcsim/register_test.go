package main

import "testing"

func TestIsFileNameSafe(t *testing.T) {
	for name, want := range map[string]bool{
		"web-01":     true,
		"a b.c":      true,
		"..x":        true,
		".":          false,
		"..":         false,
		"../../evil": false,
		"a/b":        false,
		`a\b`:        false,
		"a\nb":       false,
	} {
		if got := isFileNameSafe(name); got != want {
			t.Errorf("isFileNameSafe(%q) = %v, want %v", name, got, want)
		}
	}
}
