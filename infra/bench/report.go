package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// vCPUMemoryMB is the memory size at which a Lambda function has the
// equivalent of one vCPU; below it, its CPU share is proportional to its
// memory ("Lambda allocates CPU power in proportion to the amount of memory
// configured. … At 1,769 MB, a function has the equivalent of one vCPU",
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
const vCPUMemoryMB = 1769

// Issue 11's goals.
const (
	goalInitOverHelloMs = 5
	goalSizeOverFloor   = 1.15
	goalWarmRatio       = 1.5
	goalLoadErrors      = 0
)

// report is one make bench run's figures.
type report struct {
	memory                   map[string]int   // MB per function, from template.yaml
	sizes                    map[string]int64 // bytes per main package
	cold, warm, writes, load metrics
}

// templateMemory reads each function's MemorySize from template.yaml (the
// Globals' unless the function sets its own), by its folder under
// functions/: the cold-init estimate and the cost use what is deployed.
func templateMemory(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// CloudFormation's short tags (!Ref, !Sub) decode as their plain values;
	// only the numbers matter here.
	var doc struct {
		Globals struct {
			Function struct {
				MemorySize int `yaml:"MemorySize"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				MemorySize int `yaml:"MemorySize"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]int{}
	for id, r := range doc.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		mem := r.Properties.MemorySize
		if mem == 0 {
			mem = doc.Globals.Function.MemorySize
		}
		if mem == 0 {
			mem = 128 // Lambda's default
		}
		out[strings.ToLower(strings.TrimSuffix(id, "Function"))] = mem
	}
	for _, fn := range functions {
		if out[fn] == 0 {
			return nil, fmt.Errorf("%s: no function %q", path, fn)
		}
	}
	return out, nil
}

// submissionKinds ties the three kinds of submission to their benchmarks:
// the warm one (shared/httpapi), the write units (shared/dynamo), the load
// (infra/local) and the function that serves them.
var submissionKinds = []struct {
	name, warm, writes, load, function string
	goalWCU                            int
}{
	{"partner application", "application", "application", "", "partners", 4},
	{"contact message", "contact", "contact_message", "contact", "contact", 4},
	{"event sign-up (confirmed)", "sign-up", "sign-up,_confirmed", "sign-up", "events", 6},
	{"event sign-up (waiting list)", "", "sign-up,_waitlisted", "", "events", 6},
}

func (r *report) print(w io.Writer) error {
	var rows [][5]string
	add := func(ratio, what, subject, figures, goal string) {
		rows = append(rows, [5]string{ratio, what, subject, figures, goal})
	}
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

	hello, floor := r.sizes[helloDir], r.sizes[floorDir]
	for _, fn := range functions {
		c, ok := r.cold["BenchmarkColdInit/"+fn]
		if !ok {
			return fmt.Errorf("no cold init figures for %s", fn)
		}
		over := c["ms-over-hello"]
		// What init takes at the template's memory if its CPU time is
		// stretched by the share: a lower bound, since on Lambda the
		// network waits come on top.
		stretch := float64(vCPUMemoryMB) / float64(r.memory[fn])
		add(fmt.Sprintf("×%.2f floor, ×%.2f hello", c["init-ms"]/c["floor-ms"], c["init-ms"]/c["hello-ms"]),
			"cold init", fn,
			fmt.Sprintf("%.1f ms: %+.1f ms over the SDK floor (%.1f), %+.1f over hello-world (%.1f); CPU %.1f ms (floor %.1f) → ≥ %.0f ms at %d MB",
				c["init-ms"], c["ms-over-floor"], c["floor-ms"], over, c["hello-ms"], c["cpu-ms"], c["floor-cpu-ms"], c["cpu-ms"]*stretch, r.memory[fn]),
			met(over <= goalInitOverHelloMs, fmt.Sprintf("≤ hello + %d ms", goalInitOverHelloMs)))
	}
	for _, fn := range functions {
		n := r.sizes["functions/"+fn]
		ratio := float64(n) / float64(floor)
		add(fmt.Sprintf("×%.2f floor, ×%.2f hello", ratio, float64(n)/float64(hello)), "arm64 size", fn,
			fmt.Sprintf("%s (SDK floor %s, hello-world %s)", mb(n), mb(floor), mb(hello)),
			met(ratio <= goalSizeOverFloor, fmt.Sprintf("≤ ×%.2f floor", goalSizeOverFloor)))
	}
	for _, k := range submissionKinds {
		if k.warm == "" {
			continue
		}
		m := r.warm["BenchmarkWarmSubmission/"+k.warm]
		add(fmt.Sprintf("×%.2f bare calls", m["ratio"]), "warm submission", k.name,
			fmt.Sprintf("handler %.2f ms, its %.0f DynamoDB calls alone %.2f ms; allocations %.0f, the calls' alone %.0f (the handler's own %.0f)",
				m["handler-ns"]/1e6, m["calls"], m["bare-ns"]/1e6, m["handler-allocs"], m["bare-allocs"], m["handler-allocs"]-m["bare-allocs"]),
			met(m["ratio"] <= goalWarmRatio, fmt.Sprintf("≤ ×%.1f", goalWarmRatio)))
	}
	for _, k := range submissionKinds {
		m := r.writes["BenchmarkSubmissionWriteUnits/"+k.writes]
		wcu, mails := m["WCU"], m["mails"]
		c := r.cost(wcu, mails, k.function)
		add(fmt.Sprintf("×%.2f goal", wcu/float64(k.goalWCU)), "write cost", k.name,
			fmt.Sprintf("%.0f WCU in %.0f items, %.0f mail(s); $%.2f per million submissions (SES $%.2f, DynamoDB $%.2f, API Gateway $%.2f, Lambda $%.2f)",
				wcu, m["items"], mails, c.total(), c.ses, c.dynamo, c.api, c.lambda),
			met(wcu <= float64(k.goalWCU), fmt.Sprintf("≤ %d WCU", k.goalWCU)))
	}
	for _, k := range submissionKinds {
		if k.load == "" {
			continue
		}
		m := r.load["BenchmarkLoad/"+k.load]
		add(fmt.Sprintf("p99 ×%.1f p50", m["p99-ms"]/m["p50-ms"]), "load, local server", k.name,
			fmt.Sprintf("%.0f at once: %.0f per second, p50 %.0f ms, p99 %.0f ms, %.0f errors", m["concurrent"], m["req/s"], m["p50-ms"], m["p99-ms"], m["errors"]),
			met(m["errors"] <= goalLoadErrors, "0 errors"))
	}

	fmt.Fprintln(w, "| ratio | measure | of | figures | goal |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, row := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row[:], " | "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Floors: hello-world is %s, the SDK floor %s (awsenv's configuration, the DynamoDB and SES v2 clients). "+
		"Cold init is the emulator's INIT REPORT, median of 12, on this machine's whole cores; the estimate at the template's memory "+
		"stretches the CPU time by %d MB / memory (Lambda's CPU share), network waits not included.\n", helloDir, floorDir, vCPUMemoryMB)
	fmt.Fprintf(w, "Prices (eu-central-1, USD): DynamoDB %s, SES %s, Lambda %s and %s, HTTP API %s (sources in infra/bench/prices.go). "+
		"Assumed: %d ms billed per API invocation, one notifier invocation of %d ms and %d write units per mail.\n",
		dynamoWRU, sesPer1000, lambdaRequest, lambdaGBSecond, httpAPIRequest, apiBilledMs, notifierBilledMs, notifierWRUPerMail)
	return nil
}

func met(ok bool, goal string) string {
	if ok {
		return goal + ": met"
	}
	return goal + ": **not met**"
}

func (p price) String() string {
	s := "$" + strconv.FormatFloat(p.usd, 'f', -1, 64) + " per " + p.per
	if !p.verified {
		s += " (unverified)"
	}
	return s
}

// cost is what a million submissions of one kind cost, in USD.
type cost struct{ ses, dynamo, api, lambda float64 }

func (c cost) total() float64 { return c.ses + c.dynamo + c.api + c.lambda }

// cost prices a million submissions that write wcu units and queue mails
// mails, served by function.
func (r *report) cost(wcu, mails float64, function string) cost {
	gbSeconds := func(fn string, ms float64) float64 { return float64(r.memory[fn]) / 1024 * ms / 1000 }
	const million = 1e6
	return cost{
		ses:    mails * million / 1000 * sesPer1000.usd,
		dynamo: (wcu + mails*notifierWRUPerMail) * dynamoWRU.usd,
		api:    httpAPIRequest.usd,
		lambda: (1+mails)*lambdaRequest.usd +
			million*lambdaGBSecond.usd*(gbSeconds(function, apiBilledMs)+mails*gbSeconds("notifier", notifierBilledMs)),
	}
}
