# Checks the AWS identity this pipeline's aws provider will use, while
# Terraform plans: the credentials come from where the aws provider finds them
# (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile of the shared files,
# or a role assumed with the CI's ID token: AWS_ROLE_ARN with
# AWS_WEB_IDENTITY_TOKEN_FILE, or GitHub Actions' token service when the job
# has `id-token: write`). The check assumes the role, then asks STS who the
# credentials are (GetCallerIdentity), so a broken trust policy, a missing
# OIDC provider or a rotated key stops the plan here, with the cause.
data "authcheck_client_credentials" "aws" {
  # Any aws_* argument makes this an AWS check. The region's STS is asked.
  aws_region = var.aws_region

  # The role the pipeline deploys as; null falls back to AWS_ROLE_ARN.
  aws_role_arn = var.aws_role_arn

  # The account the pipeline must deploy to (the aws provider's
  # allowed_account_ids); another account fails the plan.
  aws_account_id = var.aws_account_id

  # VPC endpoints, proxies and tests only; null means the region's STS.
  aws_sts_url = var.aws_sts_url
}

variable "aws_region" {
  type        = string
  default     = "us-east-1"
  description = "The region whose STS is asked (as the aws provider's region)."
}

variable "aws_role_arn" {
  type        = string
  default     = null
  description = "The IAM role to assume. Null: AWS_ROLE_ARN, else the keys or profile themselves."
}

variable "aws_account_id" {
  type        = string
  default     = null
  description = "The 12-digit account the identity must be in. Null: any."
}

variable "aws_sts_url" {
  type        = string
  default     = null
  description = "STS endpoint override (VPC endpoints, tests)."
}

output "principal" {
  value = data.authcheck_client_credentials.aws.principal
}

output "account_id" {
  value = data.authcheck_client_credentials.aws.account_id
}
