// Command local serves the whole API on one machine: DynamoDB emulated
// in-process (or any endpoint), mail written to a folder (or sent to any SES
// endpoint), outbox delivered in-process in place of DynamoDB Streams.
//
//	go run ./infra/local [--addr 127.0.0.1:8080] [--mail-dir .local/mail]
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
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	httpSrv := &http.Server{Handler: srv.Handler, ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "mail", srv.MailTarget, "dynamodb", srv.DynamoTarget)
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
	now              func() time.Time // tests inject a clock; nil is the wall clock
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
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}
