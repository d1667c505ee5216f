package testenv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// update rewrites golden files instead of comparing with them:
// go test ./shared/mailtext -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata with what the code produces now")

// Golden compares got with the file at path byte for byte, or writes it
// there when the test runs with -update. Byte for byte because a renderer
// rewritten by hand must produce what the one it replaces did, entities,
// isolation marks and blank lines included.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was rendered:\n%s", path, firstDifference(got, want))
	}
}

// firstDifference shows where got leaves want, with some context: enough
// to see an entity or a line break that changed without dumping a page.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return "at byte " + strconv.Itoa(i) + "\n got: " + strconv.Quote(string(got[from:min(len(got), i+80)])) +
		"\nwant: " + strconv.Quote(string(want[from:min(len(want), i+80)]))
}
