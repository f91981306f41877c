terraform {
  required_providers {
    authcheck = { source = "authcheck/authcheck" }
  }
}
