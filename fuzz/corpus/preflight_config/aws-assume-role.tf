provider "aws" {
  region  = var.region
  profile = "deploy"

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/terraform"
    session_name = "ci-${var.region}"
    external_id  = file("${path.module}/external-id.txt")
  }

  default_tags {
    tags = { team = "platform", env = var.list[0] }
  }
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"
  assume_role_with_web_identity {
    role_arn                = "arn:aws:iam::123456789012:role/oidc"
    web_identity_token_file = "/var/run/token"
  }
  allowed_account_ids = var.list
}

resource "aws_s3_bucket" "b" { provider = aws.us }

variable "secret" {
  sensitive = true
}
variable "list" { type = list(string) }
variable "region" { default = "eu-west-1" }
