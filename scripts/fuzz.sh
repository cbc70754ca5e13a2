#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a while (default 20 s each; `scripts/fuzz.sh 600` for ten
# minutes each, `scripts/fuzz.sh 60 criteria` for one target), starting from the committed
# seed corpus. Installs cargo-fuzz when missing.
#
# Only a stable toolchain is installed here, so the nightly flags cargo-fuzz passes are allowed
# with RUSTC_BOOTSTRAP=1; AddressSanitizer's runtime ships with stable rustc. When the
# sanitizer build fails, the targets still run uninstrumented (`--sanitizer none`): the code
# under test forbids `unsafe`, so the panics and failed assertions that matter are caught
# either way.
#
# New inputs libFuzzer finds go to a scratch copy of the corpus, not into the repository; a
# crash is saved under fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(outbound_message soql_literal suiteql_literal criteria)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
# Its own target directory: instrumented builds share nothing with the normal ones.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"

sanitizer=address
if ! cargo fuzz build --sanitizer address "${targets[0]}" >/dev/null 2>&1; then
    echo "AddressSanitizer build failed; fuzzing without a sanitizer"
    sanitizer=none
fi

# A build failure is not a finding: say so, instead of pointing at an artifact that is not there.
for target in "${targets[@]}"; do
    if ! cargo fuzz build --sanitizer "$sanitizer" "$target"; then
        echo "fuzz target $target does not build (fuzz/Cargo.toml lists what the compiled-in modules use)"
        exit 1
    fi
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    echo "== fuzz $target for ${seconds}s (sanitizer: $sanitizer)"
    mkdir -p "$scratch/$target"
    cp -r "fuzz/corpus/$target/." "$scratch/$target/"
    log="$scratch/$target.log"
    status=0
    cargo fuzz run --sanitizer "$sanitizer" "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units|stat::new_units_added)" "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$log"
        echo "fuzz target $target failed; the input is under fuzz/artifacts/$target/"
        exit 1
    fi
done
