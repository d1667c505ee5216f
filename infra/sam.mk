# infra/sam.mk: AWS SAM build targets, included by the top-level Makefile.
#
# template.yaml builds every function with `BuildMethod: makefile` and
# `CodeUri: .`, so `sam build` runs `make build-<LogicalId>` in (a copy of)
# the repository root with ARTIFACTS_DIR set to the function's artifact
# directory. Each artifact gets:
#   bootstrap     the Go binary (provided.al2023, arm64)
#   network.json  the network configuration (NETWORK_CONFIG in the template),
#                 checked first: a configuration with problems builds nothing
#
# The variables below are meant to be reused by the top-level Makefile.
#
# Manual use:  make -f infra/sam.mk build-PartnersFunction ARTIFACTS_DIR=/tmp/x

# Keep whatever default goal the including Makefile had: the targets below
# must never become the default goal just because they were included first.
SAM_MK_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

GO ?= go
CFN_LINT ?= cfn-lint

# Cross-compilation environment and flags for the Lambda binaries.
# lambda.norpc drops the legacy RPC mode, unused by provided.al2023.
GO_LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
GO_BUILD_FLAGS := -tags lambda.norpc -trimpath -ldflags '-s -w'

# Network configuration bundled into every function.
NETWORK_CONFIG_FILE ?= infra/config/wartburgkreis.json

# SAM logical id -> package under ./functions.
SAM_FUNCTION_DIR_PartnersFunction := partners
SAM_FUNCTION_DIR_EventsFunction := events
SAM_FUNCTION_DIR_ContactFunction := contact
SAM_FUNCTION_DIR_BouncesFunction := bounces
SAM_FUNCTION_DIR_NotifierFunction := notifier
SAM_FUNCTION_DIR_SweeperFunction := sweeper
SAM_FUNCTION_DIR_AdminFunction := admin

SAM_FUNCTIONS := PartnersFunction EventsFunction ContactFunction NotifierFunction SweeperFunction BouncesFunction AdminFunction
SAM_BUILD_TARGETS := $(addprefix build-,$(SAM_FUNCTIONS))

.PHONY: $(SAM_BUILD_TARGETS) lint-template

# Static pattern rule: $* is the logical id, e.g. PartnersFunction.
$(SAM_BUILD_TARGETS): build-%:
	@test -n "$(ARTIFACTS_DIR)" || { echo "$@: ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	@test -f "$(NETWORK_CONFIG_FILE)" || { echo "$@: network configuration $(NETWORK_CONFIG_FILE) not found" >&2; exit 1; }
	$(GO) run ./infra/local check-config "$(NETWORK_CONFIG_FILE)"
	mkdir -p "$(ARTIFACTS_DIR)"
	$(GO_LAMBDA_ENV) $(GO) build $(GO_BUILD_FLAGS) -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(SAM_FUNCTION_DIR_$*)
	cp "$(NETWORK_CONFIG_FILE)" "$(ARTIFACTS_DIR)/network.json"

lint-template:
	$(CFN_LINT) template.yaml

.DEFAULT_GOAL := $(SAM_MK_SAVED_DEFAULT_GOAL)
