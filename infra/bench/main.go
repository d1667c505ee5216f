// Command bench is `make bench`: in one run it builds every function beside
// two floors (a hello-world aws-lambda-go bootstrap and the SDK floor, which
// builds the AWS configuration as shared/awsenv does with the DynamoDB and
// SES v2 clients and answers hello-world), runs the benchmarks that measure
// them and prints one Markdown table, ratios first (issue 11):
//
//   - cold init of each function under the Lambda Runtime Interface
//     Emulator against both floors, and its CPU time, stretched to the
//     template's memory size (Lambda's CPU share is proportional to memory);
//   - the stripped linux/arm64 bootstrap sizes, built as infra/sam.mk builds
//     them, against both floors;
//   - the warm ratio per submission kind: the whole handler in-process over
//     the bare DynamoDB calls it issued, with allocations;
//   - the write units per kind from the real item sizes, and what a million
//     submissions cost at eu-central-1 prices (prices.go);
//   - 1,000 concurrent sign-ups and contact messages through the local server.
//
// The measurements live beside the code they need (shared/lambdaenv,
// shared/httpapi, shared/dynamo, infra/local) as Go benchmarks; this command
// runs them one package at a time, so they do not compete for the CPU, and
// reads their metrics. Nothing leaves loopback.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// functions are the Lambda functions, as named under functions/.
var functions = []string{"partners", "events", "contact", "admin", "notifier", "sweeper", "bounces"}

// Where the floors' main packages are.
const (
	helloDir = "shared/testenv/testdata/echo"
	floorDir = "shared/testenv/testdata/sdkfloor"
)

// lambdaEnv and buildFlags are infra/sam.mk's GO_LAMBDA_ENV and
// GO_BUILD_FLAGS (a test holds them to it): the sizes are those of the
// bootstraps sam build deploys.
var (
	lambdaEnv  = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}
	buildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}
)

func run(stdout, stderr io.Writer) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run me from the repository root (make bench)")
	}
	mem, err := templateMemory("template.yaml")
	if err != nil {
		return err
	}
	r := &report{memory: mem}

	fmt.Fprintln(stderr, "bench: building the stripped arm64 bootstraps and both floors")
	if r.sizes, err = sizes(); err != nil {
		return err
	}
	steps := []struct {
		what, pkg, bench, benchtime string
		into                        *metrics
	}{
		{"cold init under the emulator (12 starts of each function and of both floors)", "./shared/lambdaenv", "^BenchmarkColdInit$", "1x", &r.cold},
		{"warm submissions against their bare DynamoDB calls", "./shared/httpapi", "^BenchmarkWarmSubmission$", "300x", &r.warm},
		{"write units from the real item sizes", "./shared/dynamo", "^BenchmarkSubmissionWriteUnits$", "1x", &r.writes},
		{"1,000 concurrent submissions through the local server", "./infra/local", "^BenchmarkLoad$", "1x", &r.load},
	}
	for _, s := range steps {
		fmt.Fprintln(stderr, "bench:", s.what)
		if *s.into, err = goBench(s.pkg, s.bench, s.benchtime, stderr); err != nil {
			return err
		}
	}
	return r.print(stdout)
}

// sizes builds every function and both floors as sam build does and
// returns their sizes in bytes, by main package directory.
func sizes() (map[string]int64, error) {
	dir, err := os.MkdirTemp("", "netzwerk-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := map[string]int64{}
	pkgs := []string{helloDir, floorDir}
	for _, fn := range functions {
		pkgs = append(pkgs, "functions/"+fn)
	}
	for i, pkg := range pkgs {
		bin := filepath.Join(dir, strconv.Itoa(i))
		args := append([]string{"build"}, buildFlags...)
		cmd := exec.Command("go", append(args, "-o", bin, "./"+pkg)...)
		cmd.Env = append(os.Environ(), lambdaEnv...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build ./%s: %v\n%s", pkg, err, b)
		}
		info, err := os.Stat(bin)
		if err != nil {
			return nil, err
		}
		out[pkg] = info.Size()
	}
	return out, nil
}

// metrics are a benchmark run's results: by benchmark name without the
// GOMAXPROCS suffix (BenchmarkColdInit/partners), by unit.
type metrics map[string]map[string]float64

// goBench runs the benchmarks matching pattern in pkg alone, with the
// test binary's log on stderr, and reads its result lines.
func goBench(pkg, pattern, benchtime string, stderr io.Writer) (metrics, error) {
	cmd := exec.Command("go", "test", "-count=1", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, pkg)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, &progress{w: stderr})
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %v\n%s", pattern, pkg, err, out.Bytes())
	}
	m := parseBench(&out)
	if len(m) == 0 {
		return nil, fmt.Errorf("go test -bench %s %s: no results\n%s", pattern, pkg, out.Bytes())
	}
	return m, nil
}

// progress passes on only the result lines, so the terminal shows that
// something happens without the benchmarks' logs. go test writes a result
// line in parts, its name before the run, so lines are put together first.
type progress struct {
	w    io.Writer
	line []byte
}

func (p *progress) Write(b []byte) (int, error) {
	p.line = append(p.line, b...)
	for {
		i := bytes.IndexByte(p.line, '\n')
		if i < 0 {
			return len(b), nil
		}
		if bytes.HasPrefix(p.line, []byte("Benchmark")) {
			fmt.Fprintf(p.w, "  %s\n", p.line[:i])
		}
		p.line = p.line[i+1:]
	}
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads the standard benchmark format: a name, the iterations,
// then pairs of value and unit.
func parseBench(r io.Reader) metrics {
	m := metrics{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		units := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			units[f[i+1]] = v
		}
		m[name] = units
	}
	return m
}
