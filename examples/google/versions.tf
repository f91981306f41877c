terraform {
  required_providers {
    authcheck = { source = "authcheck/authcheck" }
    # When with-google-provider.tf.example is renamed to .tf, add google here
    # as well (a module has one required_providers):
    # google = { source = "hashicorp/google" }
  }
}
