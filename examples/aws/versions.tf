terraform {
  required_providers {
    authcheck = { source = "authcheck/authcheck" }
    # When with-aws-provider.tf.example is renamed to .tf, add aws here as
    # well (a module has one required_providers):
    # aws = { source = "hashicorp/aws" }
  }
}
