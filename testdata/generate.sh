#!/usr/bin/env bash
# Regenerates the plans in testdata/plans that come from real terraform runs.
# terraform-data-modules.json is planned from terraform-modules/ (local modules
# nested two deep), whose .tf files report/source reads for file:line.
# Needs terraform >= 1.5 on PATH; no provider is downloaded (terraform_data is built in).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/terraform/main.tf" "$work/"
cd "$work"
export TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/dev/null
terraform init -input=false -no-color >/dev/null
terraform plan -input=false -no-color -out create.tfplan >/dev/null
terraform show -json create.tfplan > "$here/plans/terraform-data-create.json"
terraform apply -input=false -no-color -auto-approve create.tfplan >/dev/null
terraform plan -input=false -no-color -var rev=2 -out replace.tfplan >/dev/null
terraform show -json replace.tfplan > "$here/plans/terraform-data-replace.json"
terraform plan -input=false -no-color -destroy -out destroy.tfplan >/dev/null
terraform show -json destroy.tfplan > "$here/plans/terraform-data-destroy.json"

modules=$(mktemp -d)
trap 'rm -rf "$work" "$modules"' EXIT
cp -r "$here/terraform-modules/." "$modules/"
cd "$modules"
terraform init -input=false -no-color >/dev/null
terraform plan -input=false -no-color -out modules.tfplan >/dev/null
terraform show -json modules.tfplan > "$here/plans/terraform-data-modules.json"
echo "wrote $here/plans/terraform-data-{create,replace,destroy,modules}.json with $(terraform version | head -1)"
