package rules

import "testing"

func TestNetworkFirewallDeletionProtection(t *testing.T) {
	runRuleCases(t, NetworkFirewallDeletionProtection{}, awsBoolCases("aws-network-firewall-deletion-protection",
		"aws_networkfirewall_firewall", "delete_protection", true, false, nil))
}
