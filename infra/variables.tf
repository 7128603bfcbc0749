# infra/build.py writes terraform.tfvars.json with stage and name_prefix from
# .chalice/config.json, so Lambda's RESOURCE_PREFIX and the names below agree.

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "stage" {
  description = "Chalice stage the package was built for (dev, prod)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name, \"<app>-<stage>\"; two stages differ here and can share an account."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1-40 letters, digits or hyphens (it prefixes names with length limits)."
  }
}

variable "log_retention_days" {
  description = "Retention of every log group (seed 002: 30 days)."
  type        = number
  default     = 30
}
