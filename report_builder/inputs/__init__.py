"""Reading the inputs: the YAML reader with positions, the evidence format and its inline markup."""
