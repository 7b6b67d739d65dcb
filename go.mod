module github.com/prodgate/prodgate

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0
	github.com/hashicorp/terraform-json v0.29.0
)

require (
	github.com/apparentlymart/go-textseg/v15 v15.0.0 // indirect
	github.com/hashicorp/go-version v1.9.0 // indirect
	github.com/zclconf/go-cty v1.16.4 // indirect
	golang.org/x/text v0.22.0 // indirect
)
