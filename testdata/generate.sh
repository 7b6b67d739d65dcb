#!/usr/bin/env bash
# Regenerates the plans in testdata/plans that come from real terraform runs.
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
echo "wrote $here/plans/terraform-data-{create,replace,destroy}.json with $(terraform version | head -1)"
