terraform {
  required_providers {
    authcheck = { source = "authcheck/authcheck" }
    # When with-azurerm-provider.tf.example is renamed to .tf, add azurerm
    # here as well (a module has one required_providers):
    # azurerm = { source = "hashicorp/azurerm" }
  }
}
