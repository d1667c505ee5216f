package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestBuildMatchesSAM holds the sizes make bench reports to the bootstraps
// sam build makes: the same environment and flags as infra/sam.mk.
func TestBuildMatchesSAM(t *testing.T) {
	b, err := os.ReadFile("../sam.mk")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		variable string
		want     []string
	}{
		{"GO_LAMBDA_ENV", lambdaEnv},
		{"GO_BUILD_FLAGS", buildFlags},
	} {
		m := regexp.MustCompile(`(?m)^` + tt.variable + ` := (.*)$`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no %s in infra/sam.mk", tt.variable)
		}
		var quoted []string
		for _, a := range tt.want {
			if strings.Contains(a, " ") {
				a = "'" + a + "'"
			}
			quoted = append(quoted, a)
		}
		if got, want := string(m[1]), strings.Join(quoted, " "); got != want {
			t.Errorf("infra/sam.mk %s = %s, make bench builds with %s", tt.variable, got, want)
		}
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkColdInit/partners-2   	       1	        10.87 cpu-ms	         3.766 ms-over-floor
--- BENCH: BenchmarkSubmissionWriteUnits/application-2
BenchmarkSubmissionWriteUnits/sign-up,_confirmed-16  	       1	        11.00 WCU
PASS
`
	got := parseBench(strings.NewReader(out))
	if v := got["BenchmarkColdInit/partners"]["cpu-ms"]; v != 10.87 {
		t.Errorf("cpu-ms = %v, want 10.87 (all: %v)", v, got)
	}
	if v := got["BenchmarkSubmissionWriteUnits/sign-up,_confirmed"]["WCU"]; v != 11 {
		t.Errorf("WCU = %v, want 11 (all: %v)", v, got)
	}
	if len(got) != 2 {
		t.Errorf("%d results, want 2: %v", len(got), got)
	}
}

func TestTemplateMemory(t *testing.T) {
	mem, err := templateMemory("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range functions {
		if mem[fn] < 128 || mem[fn] > 10240 {
			t.Errorf("%s: %d MB, outside Lambda's 128 to 10,240", fn, mem[fn])
		}
	}
}
