// Command local serves the whole API on one machine: DynamoDB emulated
// in-process (or any endpoint), mail written to a folder (or sent to any SES
// endpoint), outbox delivered in-process in place of DynamoDB Streams.
//
//	go run ./infra/local [--addr 127.0.0.1:8080] [--mail-dir .local/mail] [--jwt-secret S]
//	go run ./infra/local token --jwt-secret S --email E   (prints a coordinator token)
//	go run ./infra/local check-config FILE...             (lists every problem of a network configuration)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/auth/jwtauth"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := run
	switch {
	case len(os.Args) > 1 && os.Args[1] == "token":
		run = func(_ context.Context, args []string, stderr io.Writer) error {
			return printToken(args[1:], os.Stdout, stderr)
		}
	case len(os.Args) > 1 && os.Args[1] == "check-config":
		run = func(_ context.Context, args []string, _ io.Writer) error {
			return checkConfig(args[1:], os.Stdout)
		}
	}
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	// The real address (a port of 0 picks one) goes into the links in mails.
	opts.addr = ln.Addr().String()
	srv, err := newServer(ctx, opts, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer srv.Close()
	// Timeouts keep a slow or idle client from holding a connection open:
	// bodies are at most 64 KiB and every answer is small.
	httpSrv := &http.Server{
		Handler:           srv.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "mail", srv.MailTarget, "dynamodb", srv.DynamoTarget)
	base := "http://" + ln.Addr().String()
	data := srv.DataFile
	if data == "" {
		data = "in memory only (gone when the server stops)"
	}
	mailAt := srv.MailTarget
	if opts.sesEndpoint == "" {
		mailAt = base + "/_dev/mail (files in " + srv.MailTarget + ")"
	}
	fmt.Fprintf(stderr, "\nNetzwerk is ready at %s\n  forms       %s/forms/events  %s/forms/partner  %s/forms/contact\n  console     %s/console (development login)\n  events      %s/events\n  options     %s/options\n  all routes  %s/openapi.json\n  mail        %s\n  data        %s\n",
		base, base, base, base, base, base, base, base, mailAt, data)
	if srv.DemoToken != "" {
		// Printed, not logged: a token belongs on the console of the person
		// who started the server, never in a log.
		fmt.Fprintf(stderr, "  admin API   (8 h, coordinator %s)\n    curl -H 'Authorization: Bearer %s' %s/admin/partners\n",
			demoCoordinator, srv.DemoToken, base)
	}
	fmt.Fprintln(stderr)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type options struct {
	addr             string
	mailDir          string
	configPath       string
	dynamoEndpoint   string
	table            string
	sesEndpoint      string
	sesConfiguration string
	sweepEvery       time.Duration
	demo             bool
	jwtSecret        string
	dataFile         string
	rateLimit        int      // requests per minute per client; -1: the configuration's
	allowOrigins     []string // more websites that may embed the forms
	// loginDomain and loginClient stand in for Cognito's managed login in
	// tests of the console's login; without them the console offers the
	// development login.
	loginDomain, loginClient string
	now                      func() time.Time // tests inject a clock; nil is the wall clock
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	fs.StringVar(&o.mailDir, "mail-dir", ".local/mail", "write every mail as an .eml file into `DIR`")
	fs.StringVar(&o.configPath, "config", "infra/config/wartburgkreis.json", "network configuration `FILE`")
	fs.StringVar(&o.dynamoEndpoint, "dynamodb-endpoint", "", "use this DynamoDB-compatible `URL` instead of the embedded emulator")
	fs.StringVar(&o.table, "table", "netzwerk", "table `NAME` (created with its index if missing)")
	fs.StringVar(&o.sesEndpoint, "ses-endpoint", "", "send mail through the SES v2 API at `URL` instead of the mail dir")
	fs.StringVar(&o.sesConfiguration, "ses-configuration-set", "", "SES configuration set `NAME`")
	fs.DurationVar(&o.sweepEvery, "sweep-every", 10*time.Second, "how often due mail is retried")
	fs.BoolVar(&o.demo, "demo", true, "load the demo partners into an empty table")
	fs.IntVar(&o.rateLimit, "rate-limit", -1, "public POST requests per minute per client `N` (0 switches the limit off; default: the configuration's)")
	fs.StringVar(&o.dataFile, "data-file", ".local/data.json", "keep the embedded emulator's data in `FILE` across restarts ('' keeps it in memory only)")
	fs.StringVar(&o.jwtSecret, "jwt-secret", "", "verify admin tokens (HS256) with `SECRET`; empty: a random one, and a ready token is printed")
	fs.Func("allow-origin", "let the website at `ORIGIN` (scheme://host:port) embed the forms and call the API, besides the configuration's (repeatable)", func(v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return errors.New("scheme and host only, like http://localhost:3000")
		}
		o.allowOrigins = append(o.allowOrigins, u.Scheme+"://"+u.Host)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}

// demoCoordinator is whom the token printed at start names: a role address,
// never a person.
const demoCoordinator = "koordination@example.org"

// printToken is `local token`: a coordinator token for --jwt-secret.
func printToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("jwt-secret", "", "the local server's `SECRET`")
	email := fs.String("email", "", "the coordinator's `ADDRESS`, recorded in the audit trail")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" || *email == "" || fs.NArg() > 0 {
		return errors.New("usage: local token --jwt-secret SECRET --email ADDRESS")
	}
	v := &jwtauth.Verifier{Secret: []byte(*secret), Now: time.Now}
	token, err := v.Issue(*email, auth.Group)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// checkConfig is `local check-config`: every problem of each configuration
// file, one per line as FILE: PATH: MESSAGE, and an error if there is any.
func checkConfig(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: local check-config FILE...")
	}
	bad := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		problems := network.Check(b)
		for _, p := range problems {
			fmt.Fprintf(stdout, "%s: %s\n", f, p)
		}
		if len(problems) > 0 {
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d configurations have problems", bad, len(files))
	}
	return nil
}
