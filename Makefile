# The verbs people type. `make run` and `make test` work on a fresh machine
# with Go, Node.js and cfn-lint; everything else they need they install.

GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := $(GOBIN)/aws-lambda-rie
SES_LOCAL := infra/ses-local/node_modules/aws-ses-v2-local/dist/cli.js
AXE := infra/browser/node_modules/axe-core/axe.min.js
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
FUNCTIONS := $(notdir $(wildcard functions/*))

.DEFAULT_GOAL := help
include infra/sam.mk

.PHONY: help run test test-deps lint fmt-check vet build bench bench-all fuzz mutate deploy api-doc clean

help: ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/^[^:]*://; s/:.*## /\t/' | sort

run: ## serve the whole API on 127.0.0.1:8080 (embedded DynamoDB kept in .local/data.json, mail in .local/mail)
	@mkdir -p .local
	$(GO) build -o .local/netzwerk-local ./infra/local
	@# exec: the server itself gets the signals, so Ctrl-C stops it cleanly.
	@exec .local/netzwerk-local $(ARGS)

test: test-deps lint ## install what the tests need, lint, run every test
	$(GO) test -count=1 ./...

test-deps: $(SES_LOCAL) $(AXE) $(RIE) $(CHROMIUM) ## SES emulator and axe-core (npm, from the lockfiles), the Lambda Runtime Interface Emulator (pinned), Debian's chromium

$(SES_LOCAL): infra/ses-local/package.json infra/ses-local/package-lock.json
	cd infra/ses-local && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(AXE): infra/browser/package.json infra/browser/package-lock.json
	cd infra/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The browser tests drive the distribution's Chromium; none is downloaded
# through npm. Without apt-get, installing it is the developer's part.
$(CHROMIUM):
	@if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends chromium; \
	else \
		echo "no apt-get here: the browser tests want Chromium on PATH as chromium (off Linux they skip without it)"; \
	fi

$(RIE):
	GOFLAGS= $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

lint: fmt-check vet lint-template ## gofmt, go vet, cfn-lint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

build: ## build every function as AWS runs it (linux/arm64) into bin/<name>/
	@for f in $(FUNCTIONS); do \
		$(MAKE) --no-print-directory build-$$(echo $$f | sed 's/./\U&/')Function ARTIFACTS_DIR=bin/$$f || exit 1; \
		echo "bin/$$f/bootstrap: $$(stat -c %s bin/$$f/bootstrap) bytes"; \
	done

bench: $(RIE) ## one table, ratios first: cold init and size against the floors, warm path, write cost, load (issue 11)
	$(GO) run ./infra/bench

bench-all: $(RIE) ## every Go benchmark with its absolute figures
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Every fuzz target as package:Target. `make test` runs their seed corpora
# (testdata/fuzz holds the inputs that once failed); `make fuzz` searches on.
FUZZ_TARGETS := ./shared/httpapi:FuzzRequests ./shared/httpapi:FuzzAdminRequests \
	./shared/email:FuzzNormalize ./shared/validate:FuzzText ./shared/validate:FuzzPhone \
	./shared/mail:FuzzRender ./shared/ical:FuzzPublish
FUZZTIME ?= 30s

fuzz: ## fuzz every target for FUZZTIME (default 30s) each
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$name ($$pkg)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

mutate: ## weaken each invariant's condition in turn; the tests must notice every one
	$(GO) run ./infra/mutate

deploy: ## sam build && sam deploy --guided
	sam build && sam deploy --guided

api-doc: ## rewrite the README's API section from the OpenAPI document (shared/httpapi/openapi)
	$(GO) run ./infra/apidoc

clean:
	rm -rf bin .aws-sam .local
