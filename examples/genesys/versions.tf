terraform {
  required_providers {
    authcheck = { source = "authcheck/authcheck" }
    # When with-genesyscloud-provider.tf.example is renamed to .tf, add the
    # genesyscloud provider here as well (a module has one required_providers):
    # genesyscloud = { source = "mypurecloud/genesyscloud" }
  }
}
